"""General rules found on held-out articles, each on synthetic sentences."""

from __future__ import annotations

from ingest.events import extract_events

ARTICLE = (
    "A fire broke out at a warehouse in Split, Croatia, on 12 July 2025, officials said.\n\n"
    "The next day, divers recovered two bodies from the harbour.\n\n"
    "Two days later, the city council voted to close the port. The fire burned out "
    "two days later.\n"
)


def dated(text: str, published: str) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for event in extract_events(text, published):
        if event.date:
            result.setdefault(event.date, []).append(event.summary)
    return result


def test_a_fronted_relative_time_opens_a_happening_of_its_own() -> None:
    events = dated(ARTICLE, "2025-07-20")
    assert "2025-07-13" in events  # the next day after the last narrated date
    assert "2025-07-15" in events  # two days after that


def test_a_trailing_relative_time_continues_the_happening_told() -> None:
    events = dated(ARTICLE, "2025-07-20")
    assert len(events["2025-07-15"]) == 1
    assert not any("burned out" in s for s in events.get("2025-07-17", []))


def test_a_story_abroad_places_its_national_happenings_in_its_country() -> None:
    text = (
        "A ferry sank off Supetar, Croatia, on 12 July 2025. Police in Split detained "
        "the captain on 14 July.\n\nOn 16 July, parliament voted to set up an inquiry.\n"
    )
    events = extract_events(text, "2025-07-20")
    inquiry = next(e for e in events if e.date == "2025-07-16")
    assert "Croatia" in [p.name for p in inquiry.places]
