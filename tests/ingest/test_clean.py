"""Cleaning: page furniture goes, the article stays, offsets stay verbatim."""

# ruff: noqa: E501  (sample articles are prose, one paragraph a line)
from __future__ import annotations

import pytest

from ingest.clean import APPEAL, clean
from ingest.events import extract

PAGE = """Skip to main content
  • Share on Facebook
City council approves new budget after long debate
City council approves new budget after long debate
Photo: Jane Roe / Agency

The city council approved the new budget on Monday after a six-hour debate, the mayor's office said.
Councillors from the opposition voted against the plan, saying the budget cuts spending on schools.
Watch: Firefighters rescue a cat from a tree in a nearby town. Video: Channel Five
Show more
See also  Celebrity chef opens restaurant downtown
Budget hearings
The mayor said the budget would be published in full next week and that schools would not lose funding.
Our newsroom survived 2024 thanks to our readers!
Let's keep going in 2025.
Please support independent journalism with a recurring donation.
Remind me later.
Leave a Reply
Your email address will not be published. Required fields are marked *
"""


def test_furniture_is_dropped_and_the_article_kept() -> None:
    result = clean(PAGE, "City council approves new budget after long debate")
    kept = [b.text for b in result.paragraphs]
    assert kept == [
        "The city council approved the new budget on Monday after a six-hour debate, the "
        "mayor's office said.",
        "Councillors from the opposition voted against the plan, saying the budget cuts "
        "spending on schools.",
        "The mayor said the budget would be published in full next week and that schools would "
        "not lose funding.",
    ]
    dropped = " ".join(b.text for b in result.dropped)
    for furniture in (
        "Skip to main content",
        "Share on",
        "Firefighters",
        "Celebrity chef",
        "survived 2024",
        "2025",
        "Remind me later",
        "Leave a Reply",
    ):
        assert furniture in dropped


def test_every_block_is_a_verbatim_slice() -> None:
    result = clean(PAGE)
    for block in result.blocks:
        assert PAGE[block.start : block.end] == block.text
        assert block.text == block.text.strip()


def test_rejections_carry_a_reason() -> None:
    reasons = {
        b.text: b.reason
        for b in clean(PAGE, "City council approves new budget after long debate").dropped
    }
    assert reasons["Skip to main content"] == "navigation"
    assert reasons["Show more"] == "navigation"
    assert reasons["City council approves new budget after long debate"] == "title"
    assert reasons["Photo: Jane Roe / Agency"] in ("caption", "credit")


def test_a_paragraph_off_the_article_topic_is_dropped() -> None:
    body = "\n".join(
        [
            "Regional prosecutors opened an investigation into the prison governor on Monday.",
            "The prison governor denied the accusations and said prosecutors had no evidence.",
            "Prosecutors said the investigation into the governor would take several months.",
            "Related",
            "Tropical smoothies with mango, banana and pineapple became fashionable at "
            "beachside cafés across sunny resorts this season.",
            "The governor remains in office while prosecutors continue the investigation.",
        ]
    )
    kept = [b.text for b in clean(body).paragraphs]
    assert not any("smoothies" in k for k in kept)
    assert len(kept) == 4


def test_a_new_turn_of_the_story_is_not_a_digression() -> None:
    body = "\n".join(
        [
            "Police detained 40 protesters in the city park on Saturday, a monitoring group said.",
            "The protests began on Monday, when residents gathered after workers fenced the park.",
            "The governor said on Wednesday that construction in the park would be suspended.",
            "President Ivan Orlov said on Thursday that a referendum should settle the dispute.",
            "A court fined two protesters on Friday for taking part in the park protests.",
        ]
    )
    assert len(clean(body).paragraphs) == 5


def test_an_author_bio_at_the_foot_is_furniture() -> None:
    body = "\n".join(
        [
            "The regional court fined the plant 40 million roubles on Friday, the court said.",
            "The company said it would appeal the ruling, which suspends one workshop.",
            "Residents have campaigned against the plant for years, citing polluted air.",
            "The plant employs 3,000 people and is the city's largest taxpayer.",
            "Our author Jane Roe has been reporting on the region since 2015.",
            "John Smith is a freelance journalist based in Samara who writes about energy.",
        ]
    )
    result = clean(body)
    assert [b.reason for b in result.blocks][-2:] == ["author bio", "author bio"]
    assert len(result.paragraphs) == 4


STORY = [
    "Two workers were killed when a fire broke out at a chemical plant on Friday, officials said.",
    "The blaze started in a storage area and spread to a workshop, the emergencies ministry said.",
    "Investigators opened a criminal case on Saturday into violations of safety rules.",
    "The plant's owner said it would pay compensation to the families of the dead workers.",
]


def test_a_third_person_bio_of_the_writer_at_the_foot_is_furniture() -> None:
    for bio in (
        "Marta Ilyina has written about prisons for the Northern Bulletin since 2021.",
        "Our correspondent Pavel Orlov has reported on the region's industry since 2015.",
    ):
        result = clean("\n".join([*STORY, bio, "Leave a Reply"]))
        assert [b.text for b in result.paragraphs] == STORY
        assert next(b.reason for b in result.blocks if b.text == bio) == "author bio"


def test_news_about_a_journalist_is_not_a_bio() -> None:
    story = [
        *STORY[:3],
        "Marta Ilyina has written about the plant for the Northern Bulletin since 2021, "
        "her editor said.",
        "Pavel Orlov has reported on the plant since 2015. Police searched his flat on Monday "
        "and seized his laptop and notebooks.",
    ]
    assert [b.text for b in clean("\n".join(story)).paragraphs] == story


def test_headlines_of_other_stories_are_teasers() -> None:
    page = [
        *STORY,
        "Read more",
        "Regional court extends detention of anarchist student until 12 November",
        "Kazan's new airport terminal opens two years late after a row over funding",
        "Marta Ilyina has written about industry for the Northern Bulletin since 2021.",
    ]
    result = clean("\n".join(page))
    assert [b.text for b in result.paragraphs] == STORY


def test_a_headline_after_the_last_paragraph_is_a_teaser() -> None:
    page = [*STORY, "Governor promises to rebuild the flooded villages before the winter"]
    assert [b.text for b in clean("\n".join(page)).paragraphs] == STORY


def test_a_headline_between_furniture_lines_is_a_teaser() -> None:
    page = [
        *STORY[:2],
        "See also  Prices of bread rise again in the regional capital",
        "Governor promises to rebuild the flooded villages before the winter",
        "Video: Floodwaters cut off three villages after an ice jam. Video: Channel Five",
        *STORY[2:],
    ]
    assert [b.text for b in clean("\n".join(page)).paragraphs] == STORY


def test_a_last_paragraph_before_read_more_and_one_line_ledes_stay() -> None:
    page = [
        "Fire kills two workers at chemical plant",
        "Two workers were killed in a fire at a chemical plant on Friday.",
        *STORY[1:],
        "The region suffered a similar fire in July 2018, and two villages burned in 2007.",
        "Read more",
        "Regional court extends detention of anarchist student until 12 November",
    ]
    kept = [b.text for b in clean("\n".join(page)).paragraphs]
    assert kept == page[1:-2]


@pytest.mark.parametrize(
    "line",
    [
        "Donate now",
        "a recurring gift",
        "Subscribe",
        "our NEWSLETTER",
        "signing up",
        "Sign up",
        "Leave a comment",
        "your email",
        "Required fields are marked",
        "Remind me later",
        "a favor to ask",
        "thanks to our readers",
        "your contribution",
        "support independent",
        "Please support",
        "become a patron",
        "Payment methods",
        "paywall",
        "not ready to support",
        "All rights reserved",
        "cookies",
        "Privacy policy",
        "Terms of service",
        "cannot play media",
        "Media is not available",
        "not available in your region",
        "enable JavaScript",
        "Your browser",
    ],
)
def test_every_appeal_phrase_is_found_in_any_case(line: str) -> None:
    assert APPEAL.search(f"— {line} —")


SHORT_LEDE = """Court jails Kremlin critic
By Anna Roe
Updated 16 April 2024.
A Moscow court jailed Ivan Petrov on Monday.
He was sentenced to 25 years in a strict-regime colony for treason, his lawyer said on Monday evening.
Supporters gathered outside the court building in Moscow to show their support for him.
"""


def test_a_short_first_sentence_is_the_article() -> None:
    """A lede of eight words or fewer was dropped as page furniture at the head: the day's
    news was lost, and the next sentence stood in as an undated lede."""
    cleaned = clean(SHORT_LEDE, "Court jails Kremlin critic")
    kept = [b.text for b in cleaned.paragraphs]
    assert kept[0] == "A Moscow court jailed Ivan Petrov on Monday."
    assert {b.text for b in cleaned.dropped} >= {"By Anna Roe", "Updated 16 April 2024."}
    dated = [(d.date, d.summary) for d in extract(SHORT_LEDE, "2024-04-16") if d.date]
    assert dated[0] == ("2024-04-15", "A Moscow court jailed Ivan Petrov on Monday.")


BOX_IN_THE_TEXT = """Floods hit Tomsk
Floodwater broke through a levee in Tomsk on Monday, forcing 400 residents from their homes, the regional emergencies service said.
Firefighters pumped water out of the hospital basement on Tuesday as the river kept rising across the city.
Governor Ivan Orlov visited the flooded districts on Wednesday and promised compensation to every family.
Volunteers from neighbouring towns brought food, water and blankets to the temporary shelters in schools.
The regional health ministry warned residents not to drink tap water until the water supply is tested.
Many of the evacuated families are staying with relatives in the neighbouring districts of the city.
Residents of the flooded districts said the water had reached the first floors of their homes within hours.
Sign up for our daily newsletter to get the latest news from the region.
The regional court on Thursday fined the levee operator 2 million roubles for ignoring repeated safety warnings.
Support our newsroom with a monthly donation.
Our journalists work without fear or favour, and your contribution keeps us independent.
Share on Facebook
"""


def test_a_newsletter_box_set_into_the_article_does_not_end_it() -> None:
    """An appeal in the page's last part was taken for the footer's start: the court's fine
    told after a newsletter box was dropped, with everything after it."""
    cleaned = clean(BOX_IN_THE_TEXT, "Floods hit Tomsk")
    kept = " ".join(b.text for b in cleaned.paragraphs)
    assert "fined the levee operator" in kept
    assert "newsletter" not in kept
    # the real footer still goes, with the outlet's words after its appeal
    assert "without fear or favour" not in kept
    fined = [d for d in extract(BOX_IN_THE_TEXT, "2024-04-13") if d.date == "2024-04-11"]
    assert [d.summary for d in fined] == [
        "The regional court on Thursday fined the levee operator 2 million roubles for "
        "ignoring repeated safety warnings."
    ]


SHORT_LAST = """Court jails Kremlin critic
A Moscow court jailed the opposition politician Ivan Petrov on Monday for 25 years.
He was sentenced for treason and spreading false information about the army, his lawyer said.
He was moved to a colony on Friday.
Editing by Jane Roe and John Smith.
Thank you for reading our journalism.
"""


def test_a_short_last_sentence_is_the_article() -> None:
    """The article's last news, eight words or fewer, was dropped as furniture at the foot."""
    kept = [b.text for b in clean(SHORT_LAST, "Court jails Kremlin critic").paragraphs]
    assert kept[-1] == "He was moved to a colony on Friday."
    dated = [(d.date, d.summary) for d in extract(SHORT_LAST, "2024-04-20") if d.date]
    assert ("2024-04-19", "Ivan Petrov was moved to a colony on Friday.") in dated
