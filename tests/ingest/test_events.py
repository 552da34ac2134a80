"""Event drafts from one article: dates, places, summaries, verbatim excerpts."""

# ruff: noqa: E501  (sample articles are prose, one paragraph a line)
from __future__ import annotations

import re

import pytest

from ingest.events import HEAVY_GRAPHIC, extract, is_graphic
from ingest.summaries import shorten

ARTICLE = """Skip to main content
Prisoners' group exposes beatings in Tver colony
The prisoners' rights group (Free Cells) said on Monday that it had obtained 20 videos of guards beating inmates at penal colony No. 4 in the Tver region. The regional prison service responded by opening an inquiry, and the Prosecutor General's Office launched its own review.
“This is only the beginning,” the group said on Monday.
published the footage on Telegram on Tuesday, March 14, describing it as “a system of fear.”
According to founder Maria Kovalenko, the footage arrived in January from a former guard at the colony who was dismissed in December of last year.
The incidents were recorded between 2019-2021.
Kovalenko founded the group in 2012. She left Russia in 2016 and now lives in Lithuania.
’s website was blocked in February at the request of the prison service.
After published the footage, its website came under a cyberattack.
The guard, according to Kovalenko, was beaten on May 2, 2021. He died two days later.
Please support us with a recurring donation.
"""
PUBLISHED = "2023-03-15"  # a Wednesday


def drafts():
    return [d for d in extract(ARTICLE, PUBLISHED) if d.date is not None]


def by_date(value: str):
    found = [d for d in drafts() if d.date == value]
    assert found, f"no draft dated {value}: {[(d.date, d.summary) for d in drafts()]}"
    return found


def test_every_excerpt_is_verbatim_and_furniture_is_never_cited() -> None:
    for draft in extract(ARTICLE, PUBLISHED):
        for start, end in draft.citations:
            excerpt = ARTICLE[start:end]
            assert excerpt.strip() == excerpt and excerpt
            assert "donation" not in excerpt and "Skip to" not in excerpt


def test_dates_with_their_precision() -> None:
    values = {(d.date, d.end) for d in drafts()}
    assert ("2023-03-13", None) in values  # on Monday
    assert ("2023-03-14", None) in values  # on Tuesday, March 14
    assert ("2023-01", None) in values  # in January
    assert ("2022-12", None) in values  # in December of last year
    assert ("2019", "2021") in values  # between 2019-2021
    assert ("2012", None) in values and ("2016", None) in values
    assert ("2023-02", None) in values  # in February
    assert ("2021-05-02", None) in values


def test_a_new_actor_in_a_continuation_is_a_separate_event_on_the_same_day() -> None:
    monday = by_date("2023-03-13")
    summaries = " | ".join(d.summary for d in monday)
    assert len(monday) == 3, summaries
    assert any("Prosecutor General" in d.summary for d in monday)
    assert any("prison service" in d.summary for d in monday)


def test_a_demonstrative_quote_on_the_same_day_joins_the_event() -> None:
    lead = next(d for d in by_date("2023-03-13") if "20 videos" in d.summary)
    cited = [ARTICLE[s:e] for s, e in lead.citations]
    assert any("only the beginning" in c for c in cited)


def test_places_are_where_it_happened_with_the_facility_region() -> None:
    lead = next(d for d in by_date("2023-03-13") if "20 videos" in d.summary)
    names = {p.name for p in lead.places}
    assert "Tver Oblast" in names
    assert any(p.kind == "facility" and p.region == "Tver Oblast" for p in lead.places)
    assert not by_date("2012")[0].places  # founding: no place named


def test_summaries_read_well() -> None:
    for draft in drafts():
        s = draft.summary
        assert len(s) <= 200, s
        assert s[0].isupper(), s
        assert not re.match(r"^(?:He|She|It|They|His|Her|Its|Their)\b", s), s
        assert not s.startswith(("’s", "'s")), s
        assert not re.match(r"^(?:On|In|Earlier|Later) (?:Monday|Tuesday|March|January)", s), s
    tuesday = by_date("2023-03-14")[0].summary
    assert tuesday.startswith("The prisoners' rights group published the footage"), tuesday
    blocked = by_date("2023-02")[0].summary
    assert blocked.startswith("The prisoners' rights group’s website was blocked"), blocked
    left = by_date("2016")[0].summary
    assert left.startswith("Maria Kovalenko left Russia"), left


def test_after_something_told_takes_its_date_and_names_who_did_it() -> None:
    attack = [d for d in by_date("2023-03-14") if "cyberattack" in d.summary]
    assert len(attack) == 1
    assert attack[0].summary.startswith("After the prisoners' rights group published the footage")


def test_a_relative_clause_dates_its_own_happening() -> None:
    dismissed = by_date("2022-12")[0]
    assert dismissed.summary.startswith("A former guard at the colony was dismissed"), (
        dismissed.summary
    )


def test_two_days_later_continues_the_same_story() -> None:
    beaten = by_date("2021-05-02")[0]
    assert any("died two days later" in ARTICLE[s:e] for s, e in beaten.citations)
    assert not [d for d in drafts() if d.date == "2021-05-04"]


def test_remote_history_is_background() -> None:
    assert by_date("2012")[0].status == "background"
    assert by_date("2023-03-14")[0].status != "background"


def test_graphic_detail_is_flagged_and_mere_mention_is_not() -> None:
    assert is_graphic(
        "The video shows a naked man tied to a bed, screaming in pain while guards rape him."
    )
    assert not is_graphic("The group published videos evidencing torture in prisons.")


@pytest.mark.parametrize(
    "term",
    [
        "raped",
        "Sexual assault",
        "sodomised",
        "naked",
        "genitals",
        "mutilated",
        "decapitated",
        "dismembered",
        "BEHEADED",
        "tied to",
        "bound and",
        "strapped to",
        "chained to",
        "handcuffed to",
    ],
)
def test_every_heavier_graphic_term_is_found(term: str) -> None:
    """The search for the heavier terms (which starts by naming their first letters) finds
    each of them, in any case."""
    assert HEAVY_GRAPHIC.search(f"The report says he was {term} the guards.")


def test_shorten_cuts_at_a_clause_boundary() -> None:
    long = (
        "The regional court sentenced the former warden of the colony to nine years in prison "
        "for abuse of office and ordered compensation for the victims, who had waited for the "
        "verdict for more than four years, according to the defence lawyers in the case."
    )
    short = shorten(long)
    assert len(short) <= 200 and short.endswith(".")
    assert short.startswith("The regional court sentenced the former warden")


def test_an_undated_lede_happened_by_the_publication_day() -> None:
    wire = (
        "MOSCOW, Oct 5 (Wire) - Police have detained 40 protesters in Kazan who opposed the "
        "building of a road through a park, a monitoring group said.\n"
        "The protests began on Monday, when residents gathered after workers fenced the park.\n"
        "A court fined two activists on Friday. The ruling could not be independently verified.\n"
    )
    found = {d.date: d for d in extract(wire, "2019-10-05") if d.date}
    lede = found["2019-10-05"]
    assert lede.summary.startswith("Police have detained 40 protesters in Kazan")
    assert [p.name for p in lede.places] == ["Republic of Tatarstan"]
    assert "2019-09-30" in found
    assert found["2019-10-04"].status == "unverified"
    assert not [d for d in extract(wire, None) if d.date]  # nothing to date them by


def test_ordinary_prepositions_are_not_taken_for_dropped_names() -> None:
    article = (
        "On Monday, the minister said the reform was something he had long hoped for.\n"
        "On Tuesday, the mayor talked to “City Radio” about the plan he was proud of.\n"
    )
    summaries = [d.summary for d in extract(article, "2022-05-11") if d.date]
    assert summaries == [
        "The minister said the reform was something he had long hoped for.",
        "The mayor talked to “City Radio” about the plan he was proud of.",
    ]


def test_garbage_in_gives_valid_drafts_out() -> None:
    import random
    import string

    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits + " .,;:!?\"'()-–—“”‘’\nЖжЁё№"
    text_words = (
        "On Tuesday October 5, 2021 in Saratov No. 1 IK-5 He said ’s “ ” ( ) - — between "
        "2018-2020 from July to which who was released After Following and the Vladimir . "
        "fired police The group last month two days later"
    )
    words = [*text_words.split(" "), "\n"]
    for i in range(200):
        if i % 2:
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        else:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 160)))
        for published in (None, "2021-10-06"):
            for draft in extract(text, published):
                assert all(0 <= s < e <= len(text) for s, e in draft.citations)
                assert 0 < len(draft.summary) <= 200
                if draft.date:
                    assert len(draft.date) in (4, 7, 10)
                    assert draft.end is None or draft.end >= draft.date


def test_a_plan_in_another_clause_does_not_undate_a_happening() -> None:
    article = (
        "Investigators charged four guards on Monday, a spokesman said.\n"
        "The men were detained on March 11 and will remain in custody for two months.\n"
        "Their trial is due to begin on April 20, the court said.\n"
    )
    dates = [d.date for d in extract(article, "2022-03-15") if d.date]
    assert "2022-03-11" in dates
    assert not any(d.endswith("-04-20") for d in dates)


def test_one_clause_with_two_dates_is_one_event_at_the_first() -> None:
    article = (
        "Prosecutors opened a case against the warden on Monday, the agency said.\n"
        "Earlier this year, a court sentenced a former inmate to five years for beating "
        "another prisoner on camera in 2019.\n"
    )
    drafts = [d for d in extract(article, "2022-03-15") if d.date]
    sentenced = [d for d in drafts if "sentenced" in d.summary]
    assert [d.date for d in sentenced] == ["2022"]


LOCAL = """Floods hit Tomsk
Floodwater broke through a levee in Tomsk on Monday, forcing 400 residents from their homes, the regional emergencies service said.
Firefighters pumped water out of the hospital basement on Tuesday.
Governor Ivan Orlov visited the flooded districts on Wednesday. "No one will be left without help," he said.
The Kremlin said on Thursday that Russia would send army engineers.
Two days later, the regional court fined the levee operator 2 million roubles.
The region was flooded once before, in 2001, when the same river burst its banks near Tomsk.
"""


def test_a_local_story_places_its_placeless_events_in_its_region() -> None:
    drafts = {d.date: d for d in extract(LOCAL, "2024-04-13") if d.date}
    for day in ("2024-04-08", "2024-04-09", "2024-04-10"):
        assert [p.name for p in drafts[day].places] == ["Tomsk Oblast"], day
    assert drafts["2024-04-11"].places == []  # the Kremlin's decision is national
    assert [p.name for p in drafts["2024-04-13"].places] == ["Tomsk Oblast"]
    assert drafts["2001"].status == "background"


def test_a_new_actor_two_days_later_is_a_new_event() -> None:
    drafts = {d.date: d for d in extract(LOCAL, "2024-04-13") if d.date}
    assert "court fined" in drafts["2024-04-13"].summary


def test_a_plan_for_a_day_is_not_an_event() -> None:
    text = "Opposition parties called a rally in Kazan for Saturday, organisers said on Friday.\n"
    dates = [d.date for d in extract(text, "2024-06-21") if d.date]
    assert dates == ["2024-06-21"]


def test_dates_that_name_an_earlier_happening_are_references() -> None:
    text = (
        "The fire on March 3 was not the first warning sign at the plant.\n"
        "The ruling of 19 May 2023 can be appealed, the company said.\n"
    )
    assert [d.date for d in extract(text, "2023-05-20") if d.date] == []


SPREAD = """Wildfires near Chita
Fires burned forest outside Chita on Monday, the regional forestry service said.
Firefighters in Chita asked the army for help on Tuesday.
On Wednesday, volunteers evacuated more than 300 villagers. The volunteers said the evacuations were carried out in the Amur and Buryatia regions.
"""


def test_a_sentence_saying_where_it_happened_places_the_event_over_the_stories_region() -> None:
    drafts = {d.date: d for d in extract(SPREAD, "2024-05-09") if d.date}
    evacuated = drafts["2024-05-08"]
    assert "evacuated" in evacuated.summary
    assert sorted(p.name for p in evacuated.places) == ["Amur Oblast", "Republic of Buryatia"]
    # a happening no later sentence places stays in the story's region
    assert [p.name for p in drafts["2024-05-07"].places] == ["Zabaykalsky Krai"]


PLANS = """Mayor's trial to open this month
The trial of former mayor Oleg Sokolov will begin, as scheduled, on 24 March, the court said on Friday.
Closing arguments, due to begin on 20 March, could be moved to April, his lawyer said.
Sokolov was arrested on 12 February 2024. His appeal was due to be heard on 16 July.
The next day, his lawyer filed a complaint against the arrest with the regional court.
"""


def test_a_plan_is_no_event_and_no_day_to_count_from() -> None:
    """A date set off by commas, a schedule without 'is', and a plan told in the past are
    plans: without a year they were dated a year back, as if they had happened."""
    drafts = [d for d in extract(PLANS, "2024-03-03") if d.date]
    assert sorted(str(d.date) for d in drafts) == ["2024-02-12", "2024-02-13", "2024-03-01"]
    complaint = next(d for d in drafts if "complaint" in d.summary)
    assert complaint.date == "2024-02-13"  # the day after the arrest, not after the plan


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        (
            "Tuesday's earthquake has left as many as 300 people dead.\n",
            "Tuesday's earthquake has left as many as 300 people dead.",
        ),
        (
            "Last week's flood destroyed more than 40 homes in the valley.\n",
            "Last week's flood destroyed more than 40 homes in the valley.",
        ),
    ],
    ids=["weekday", "last-week"],
)
def test_a_date_that_owns_the_subject_stays_in_the_summary(text: str, summary: str) -> None:
    """Cut as a leading date phrase, 'Tuesday's earthquake' left "'s earthquake", which was
    read as a dropped name and filled: 'The group's earthquake has left ...'."""
    drafts = [d for d in extract("Earthquake\n" + text, "2024-01-12") if d.date]
    assert [d.summary for d in drafts] == [summary]


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        (
            "But police detained 12 more protesters on Friday, the ministry said.\n",
            "Police detained 12 more protesters on Friday, the ministry said.",
        ),
        (
            "However, the court released the journalist on bail on 3 May.\n",
            "The court released the journalist on bail on 3 May.",
        ),
        (
            "Meanwhile rescuers pulled two survivors from the rubble on Saturday.\n",
            "Rescuers pulled two survivors from the rubble on Saturday.",
        ),
        (
            "Still images from the camera were published by the police on Monday.\n",
            "Still images from the camera were published by the police on Monday.",
        ),
    ],
    ids=["but", "however", "meanwhile", "still-images"],
)
def test_a_summary_does_not_open_with_a_link_to_a_sentence_it_lacks(
    text: str, summary: str
) -> None:
    drafts = [d for d in extract("Protests\n" + text, "2024-05-12") if d.date]
    assert [d.summary for d in drafts] == [summary]


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        (
            "The governor said he would meet the mayors of Tomsk and Seversk on Saturday to "
            "discuss the floods.\n",
            [],
        ),
        ("The minister said rescue teams would arrive in the region on Friday.\n", []),
        ("The court ruled on Monday that the activist would stay in custody.\n", ["2024-04-08"]),
        ("Officials would not say why police detained 40 people on Monday.\n", ["2024-04-08"]),
    ],
    ids=["would-meet", "would-arrive", "ruled-then-would", "would-not"],
)
def test_a_plan_reported_with_would_is_no_event(text: str, dates: list[str]) -> None:
    """'said he would meet them on Saturday' (published on a Thursday) was dated the
    Saturday before, as if the meeting had happened."""
    drafts = [d for d in extract("Floods\n" + text, "2024-04-11") if d.date]
    assert [d.date for d in drafts] == dates


APPOSITIVE = """Activist jailed in Ufa
The case has drawn criticism from rights groups across the country and abroad.
The activist, detained on May 2, was jailed for six years by a court in Ufa on May 10.
The plant, built in 1974, was shut down by inspectors on Friday.
Rights groups have condemned the case and called for the release of the activist.
"""


def test_a_date_describing_the_subject_does_not_date_the_happening() -> None:
    """'The activist, detained on May 2, was jailed ... on May 10' was listed on 2 May: the
    first date in a clause won, though it sat in a participle describing the subject."""
    drafts = {d.date: d for d in extract(APPOSITIVE, "2024-05-20") if d.date}
    assert "jailed" in drafts["2024-05-10"].summary
    assert "shut down" in drafts["2024-05-17"].summary
    assert "2024-05-02" not in drafts and "1974" not in drafts


@pytest.mark.parametrize(
    ("sentence", "span"),
    [
        ("Protesters marched in Ufa every weekend between March and May.", ("2024-03", "2024-05")),
        ("The camp near Ufa was closed from November to February.", ("2023-11", "2024-02")),
        ("Volunteers ran the shelter in Ufa from March to May 2021.", ("2021-03", "2021-05")),
    ],
    ids=["between", "across-new-year", "with-year"],
)
def test_a_span_of_months_without_days_is_dated(sentence: str, span: tuple[str, str]) -> None:
    """'between March and May' was no date: the sentence, the article's first, was listed
    on the publication day instead."""
    text = f"Protests in Ufa\n{sentence}\nRights groups have called for the protests to go on.\n"
    drafts = [d for d in extract(text, "2024-05-20") if d.date]
    assert [(d.date, d.end) for d in drafts] == [span]


@pytest.mark.parametrize(
    ("sentence", "published", "span"),
    [
        (
            "Police detained 40 protesters at a rally in central Kazan over the weekend.",
            "2024-05-20",  # a Monday
            ("2024-05-18", "2024-05-19"),
        ),
        (
            "Police detained 40 protesters at a rally in central Kazan last weekend.",
            "2024-05-19",  # a Sunday: the weekend before
            ("2024-05-11", "2024-05-12"),
        ),
        (
            "Police detained 40 protesters at a rally in central Kazan at the weekend.",
            "2024-05-18",  # the Saturday itself: only that day so far
            ("2024-05-18", None),
        ),
    ],
    ids=["over-the-weekend", "last-weekend-on-a-sunday", "on-the-saturday"],
)
def test_the_weekend_is_dated(sentence: str, published: str, span: tuple) -> None:
    """'over the weekend' was no date: the article's first sentence was listed on the
    publication day (a Monday), 'last weekend' on none."""
    text = f"Protests in Kazan\n{sentence}\nRights groups across the country have called for the release of all of them.\n"
    drafts = [d for d in extract(text, published) if d.date]
    assert [(d.date, d.end) for d in drafts] == [span]


QUOTE_OVER_PARAGRAPHS = """Floods in Tomsk
Floodwater broke through a levee in Tomsk on Monday, forcing 400 residents from their homes.
“The water reached our windows on Tuesday and we had to leave everything behind.
We still do not know when we can go back home,” said resident Anna Orlova, 54.
"""


def test_a_summary_from_part_of_a_quotation_keeps_its_quotation_marks_paired() -> None:
    """A quotation running over two paragraphs gave a summary with an opening mark and no
    closing one: the reader could not tell where the quoted words end."""
    drafts = {d.date: d for d in extract(QUOTE_OVER_PARAGRAPHS, "2024-04-13") if d.date}
    summary = drafts["2024-04-09"].summary
    assert summary.startswith("“The water reached our windows")
    assert summary.count("“") == summary.count("”") == 1 and summary.endswith("”")


COUNTED_FROM_A_DATE = """Activist jailed in Ufa
The case has drawn criticism from rights groups across the country and abroad.
Three days after the police raid on his flat on May 2, a court in Ufa jailed the activist.
He died two days after the attack on 3 March, his family told reporters in the city.
"""


def test_an_offset_counts_from_the_date_it_names() -> None:
    """'Three days after the raid on May 2, a court jailed him' was listed on 2 May (or,
    with an earlier date told, counted from that)."""
    drafts = {d.date: d for d in extract(COUNTED_FROM_A_DATE, "2024-05-20") if d.date}
    assert "jailed" in drafts["2024-05-05"].summary
    assert "died" in drafts["2024-03-05"].summary


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        (
            "Kazan activist Ivan Orlov said the whistleblower left Russia earlier this week, "
            "declining to reveal his location.",
            "Kazan activist Ivan Orlov said the whistleblower left Russia, declining to reveal "
            "his location.",
        ),
        (
            "A former inmate at the Kazan prison was released in February of this year, "
            "his lawyer said.",
            "A former inmate at the Kazan prison was released in February, his lawyer said.",
        ),
        (
            "Police in Kazan detained the blogger yesterday and seized his computers, "
            "his lawyer said.",
            "Police in Kazan detained the blogger and seized his computers, his lawyer said.",
        ),
        (
            "The blogger, in custody in Kazan since last year, was charged with treason "
            "on Tuesday.",
            "The blogger, in custody in Kazan since last year, was charged with treason "
            "on Tuesday.",
        ),
    ],
    ids=["earlier-this-week", "of-this-year", "yesterday", "since-last-year-stays"],
)
def test_a_summary_drops_time_told_from_the_day_of_writing(text: str, summary: str) -> None:
    """'earlier this week', 'yesterday', 'February of this year' are wrong when the briefing
    is read later; the event's date says when."""
    article = f"Blogger detained\n{text}\nRights groups have called for his release.\n"
    drafts = [d for d in extract(article, "2024-05-16") if d.date]
    assert [d.summary for d in drafts] == [summary]


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        (
            "BREAKING: Police detained three more suspects in the case in Tver on Wednesday.",
            "Police detained three more suspects in the case in Tver on Wednesday.",
        ),
        (
            "URGENT - A court in Tver jailed the reporter for six years on Wednesday.",
            "A court in Tver jailed the reporter for six years on Wednesday.",
        ),
        (
            "EXCLUSIVE-Police raided the newspaper's office in Tver on Wednesday, staff said.",
            "Police raided the newspaper's office in Tver on Wednesday, staff said.",
        ),
        (
            "Updated rules for reporters at court hearings in Tver were published on Wednesday.",
            "Updated rules for reporters at court hearings in Tver were published on Wednesday.",
        ),
    ],
    ids=["breaking", "urgent", "exclusive", "updated-as-a-word"],
)
def test_a_desk_label_is_not_part_of_the_summary(text: str, summary: str) -> None:
    """'BREAKING:', 'URGENT -' say how the item was filed, not what happened."""
    article = f"Reporter jailed\n{text}\nRights groups have called for the reporter's release.\n"
    drafts = [d for d in extract(article, "2023-10-05") if d.date]
    assert [d.summary for d in drafts] == [summary]


WIRE = """Court extends arrest of journalist
MOSCOW, October 5. /TASS/. The Lefortovo court in Moscow on Thursday extended the arrest of the journalist until January 30, the court's press service said.
The journalist denies the charges, his lawyer told reporters after the hearing in Moscow.
"""


def test_a_wire_dateline_is_no_event() -> None:
    """'MOSCOW, October 5. /TASS/.' stood as a sentence of its own, and was listed as an
    event with that for its summary."""
    drafts = [d for d in extract(WIRE, "2023-10-05") if d.date]
    assert [d.summary for d in drafts] == [
        "The Lefortovo court in Moscow on Thursday extended the arrest of the journalist "
        "until January 30, the court's press service said."
    ]


ORIGIN = """Ferry sinks off Krk
The ferry Morska Vila struck rocks and sank near the harbour on Saturday, July 5. Nine people died, among them three tourists from Poland and Slovakia.
Rescue teams searched the water through the night for the missing passengers and crew.
"""


def test_where_victims_came_from_is_not_where_it_happened() -> None:
    """'four tourists from Germany and Austria' placed a ferry's sinking in Germany and
    Austria, and the sinking as another outlet told it, in Croatia, was then not merged."""
    drafts = [d for d in extract(ORIGIN, "2025-07-07") if d.date == "2025-07-05"]
    assert len(drafts) == 1 and "sank" in drafts[0].summary
    assert [p.name for p in drafts[0].places] == []
    assert any("Slovakia" in ORIGIN[a:b] for a, b in drafts[0].citations)  # still cited


SUBORDINATE = """Floods in Georgia
Rescue teams from Azerbaijan and Armenia arrived on Thursday to help search the mudflats along the river, after Georgia requested assistance through the EU Civil Protection Mechanism on Wednesday.
Officials said the search would go on for as long as anyone was missing in the valley.
"""


def test_a_subordinate_clause_dated_on_its_own_reads_as_a_sentence() -> None:
    """'After Georgia requested assistance ... on Wednesday.' was a summary with no main
    clause: a fragment on the timeline."""
    drafts = {d.date: d for d in extract(SUBORDINATE, "2024-06-21") if d.date}
    assert drafts["2024-06-19"].summary == (
        "Georgia requested assistance through the EU Civil Protection Mechanism on Wednesday."
    )
    assert drafts["2024-06-20"].summary.startswith("Rescue teams from Azerbaijan and Armenia")


AFTER_A_COLON = """Fire at chemical plant
A fire broke out at the chemical plant in Dzerzhinsk on March 3, killing two workers, officials said.
The blaze was not its first brush with regulators that winter either: the previous month, the watchdog had fined the plant 300,000 roubles for exceeding emissions limits.
Residents said the smoke from the plant could be seen from across the whole city.
"""


def test_a_summary_is_the_clause_after_a_colon_that_holds_the_date() -> None:
    """'The blaze was not its first brush with regulators that winter either: the previous
    month, the watchdog had fined the plant ...' was the February event's summary whole:
    the line opened with a remark on the March fire, not with what happened in February."""
    drafts = {d.date: d for d in extract(AFTER_A_COLON, "2023-03-20") if d.date}
    fined = drafts["2023-02"]
    assert fined.summary == (
        "The watchdog had fined the plant 300,000 roubles for exceeding emissions limits."
    )
    cited = [AFTER_A_COLON[a:b] for a, b in fined.citations]
    assert cited[0].startswith("The blaze was not its first brush")  # the whole sentence


QUOTE_ENDING_HERE = """Singer's brother speaks
Jackson's brother spoke to reporters outside the hospital in Los Angeles on Thursday evening.
“He was the heart of this family.
I've lost my little brother today, and part of my soul has gone with him,” he said.
"""


def test_quoted_words_keep_their_time_words() -> None:
    """A quotation's last sentence, whose opening mark is a paragraph up, lost its 'today':
    time words are dropped from summaries only outside quotations, and the missing mark was
    added only after they were dropped."""
    summaries = [d.summary for d in extract(QUOTE_ENDING_HERE, "2009-06-26") if d.date]
    assert any(s.startswith("“I've lost my little brother today,") for s in summaries)


COMING_DAY = """Tribute concert line-up grows
The singer is the latest act to be added to the bill for the tribute concert at the city stadium on 8 October.
Organisers said on Tuesday that more than 60,000 tickets had already been sold for the show.
"""


def test_a_day_just_after_publication_is_not_the_same_day_a_year_back() -> None:
    """'the concert at the stadium on 8 October', in a late-September article, was dated
    8 October of the year before, a happening nearly a year old."""
    dates = [d.date for d in extract(COMING_DAY, "2011-09-29") if d.date]
    assert dates == ["2011-09-27"]  # the organisers' Tuesday; the concert is to come
