"""Building regular expressions that the regex engine reads quickly."""

from __future__ import annotations


def by_first_letter(phrases: list[str], *, words: bool = True) -> str:
    """The phrases as one alternation grouped by their first letter, which the pattern names
    first ("(?=[...])"): the regex engine passes quickly over the places of a text where no
    phrase starts, and where one may, it tries the one group of that letter, not every
    phrase. `words`: each phrase stands as whole words (a word boundary on either side).

    Grouping keeps which texts have a match, not always which match is found first: for
    patterns asked only whether a text has one. Each phrase starts with a lower-case ASCII
    letter, written plainly (not in a group or a class); compile with re.IGNORECASE for
    capitals."""
    groups: dict[str, list[str]] = {}
    for phrase in phrases:
        if not ("a" <= phrase[:1] <= "z"):
            raise ValueError(f"phrase {phrase!r} does not start with a lower-case letter")
        groups.setdefault(phrase[0], []).append(phrase[1:])
    alternation = "|".join(f"{letter}(?:{'|'.join(rests)})" for letter, rests in groups.items())
    boundary = r"\b" if words else ""
    return rf"(?=[{''.join(groups)}]){boundary}(?:{alternation}){boundary}"
