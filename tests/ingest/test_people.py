"""People: spellings of one person merge, different people stay apart."""

from __future__ import annotations

from ingest.people import KnownPeople, PeopleIndex, similar_names
from store.models import PersonRef


def test_spellings_of_one_person_merge_within_an_article() -> None:
    index = PeopleIndex()
    for sentence in [
        "Human rights lawyer Natalia Ostrovskaya said the case was fabricated.",
        "Ostrowskaya added that the court ignored the evidence.",
        "According to Ostrovskaja, the appeal is due in March.",
        "Prosecutor Igor Belov disagreed.",
    ]:
        index.scan(sentence)
    people = {p.name: p.spellings for p in index.people if p.kind == "person"}
    assert set(people) == {"Natalia Ostrovskaya", "Igor Belov"}
    assert {"Ostrowskaya", "Ostrovskaja"} <= people["Natalia Ostrovskaya"]


def test_transliterations_with_the_same_first_name_merge() -> None:
    assert similar_names("Tatyana Lokhina", "Tatiana Lukhgina")
    assert similar_names("Sergei Ivanov", "Sergey Ivanov")
    assert similar_names("Wadim Schtscheglow", "Vadim Shcheglov")  # German transliteration
    assert similar_names("Wadim Schtscheglow", "Vadim Sheglov")
    assert not similar_names("Sergei Ivanov", "Sergei Petrov")
    assert not similar_names("Anna Smirnova", "Olga Smirnova")


def test_organisations_keep_their_acronyms_and_titles_are_not_names() -> None:
    index = PeopleIndex()
    mentions = index.scan(
        "The Federal Customs Service (FCS) said on Monday that President Ivan Orlov agreed."
    )
    names = {m.person.name for m in mentions}
    assert "Federal Customs Service" in names and "Ivan Orlov" in names
    assert "FCS" in next(p for p in index.people if p.name == "Federal Customs Service").spellings


def test_known_people_in_the_store_absorb_new_spellings() -> None:
    known: list[tuple[str, tuple[str, ...]]] = [
        ("Natalia Ostrovskaya", ("ostrovskaya", "natalia ostrovskaya"))
    ]
    [ref] = KnownPeople(known).canonical([PersonRef("Natalia Ostrowskaja", "person", ())])
    assert ref.name == "Natalia Ostrovskaya"
    assert "Natalia Ostrowskaja" in ref.aliases
    [other] = KnownPeople(known).canonical([PersonRef("Boris Kuznetsov", "person", ())])
    assert other.name == "Boris Kuznetsov"


def _full_scan(ref: PersonRef, known: list[tuple[str, tuple[str, ...]]]) -> str | None:
    """The first known person the ref is a spelling of, comparing with every one."""
    spellings = {ref.name, *ref.aliases}
    for name, aliases in known:
        pool = {name, *aliases}
        if any(similar_names(a, b) for a in spellings for b in pool if len(a.split()) > 1) or any(
            a.casefold() == b.casefold() for a in spellings for b in pool
        ):
            return name
    return None


def test_known_people_find_what_comparing_with_everyone_finds() -> None:
    firsts = ["Natalia", "Natalya", "Ivan", "Iwan", "Olga", "Boris"]
    surnames = ["Ostrovskaya", "Ostrowskaja", "Ostrovsky", "Petrov", "Petrova", "Shcheglov"]
    surnames += ["Schtscheglow", "Sheglov", "Kuznetsov", "Kusnezow"]
    known: list[tuple[str, tuple[str, ...]]] = []
    people = KnownPeople([])
    for i, (first, last) in enumerate((f, s) for s in surnames for f in firsts):
        ref = PersonRef(f"{first} {last}", "person", (last,) if i % 3 else ())
        assert people.match(ref) == _full_scan(ref, known), ref
        name = people.match(ref) or ref.name
        aliases = {a.casefold() for a in (ref.name, *ref.aliases)}
        people.add(name, aliases)
        merged = dict(known)
        merged[name] = tuple(sorted(set(merged.get(name, ())) | aliases))
        known = sorted(merged.items())
