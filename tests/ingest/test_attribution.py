"""Attribution: who says so and how sure it is."""

from __future__ import annotations

import pytest

from ingest.attribution import attribute


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        ("The newspaper was unable to independently verify the footage.", "unverified"),
        ("His resignation has yet to be confirmed officially.", "unverified"),
        ("The Interior Ministry announced that it had dismissed the warden.", "confirmed"),
        ("The regional court confirmed the sentence on Friday.", "confirmed"),
        ("The video allegedly shows guards beating a prisoner.", "alleged"),
        ("Activists claim the camp holds 300 people.", "alleged"),
        ("According to an informed source, the governor is resigning.", "alleged"),
        ("Firefighters put out the blaze on Sunday.", "reported"),
    ],
)
def test_status(sentence: str, status: str) -> None:
    assert attribute(sentence).status == status


@pytest.mark.parametrize(
    ("sentence", "who"),
    [
        ("According to Anna Petrova, the raid began at dawn.", "Anna Petrova"),
        ("Interfax reported that the court had adjourned.", "Interfax"),
        ("“We will appeal,” said lawyer Ivan Orlov.", "Ivan Orlov"),
        ("The Kremlin said it was aware of the reports.", "Kremlin"),
        ("Firefighters put out the blaze on Sunday.", None),
    ],
)
def test_who_says_so(sentence: str, who: str | None) -> None:
    found = attribute(sentence).who
    assert (found is None and who is None) or (
        who is not None and found is not None and who in found
    )


@pytest.mark.parametrize(
    ("sentence", "who"),
    [
        ("The Ministry of Defence said two drones were shot down.", "the Ministry of Defence"),
        (
            "The Committee to Protect Journalists said the reporter was detained on Friday.",
            "the Committee to Protect Journalists",
        ),
        (
            "A spokesman for the Bank of England said rates were held on Thursday.",
            "the Bank of England",
        ),
        (
            "The album sold 40m copies, according to the Guinness Book of World Records.",
            "the Guinness Book of World Records",
        ),
        ("The Emergencies Ministry said 1,200 people were evacuated.", "the Emergencies Ministry"),
        ("According to Anna Petrova, the raid began at dawn.", "Anna Petrova"),
        ("“We will appeal,” said lawyer Ivan Orlov.", "Ivan Orlov"),
    ],
    ids=["of", "to", "for-in-the-middle", "according-to-of", "the", "person", "after-quote"],
)
def test_a_source_is_named_whole(sentence: str, who: str) -> None:
    """A name with 'of' or 'to' in it is not cut there: 'according to Defence' named no one."""
    assert attribute(sentence).who == who


@pytest.mark.parametrize(
    ("sentence", "who"),
    [
        ("Four people died on Sunday, local police said.", "local police"),
        ("A court jailed him on Thursday, his lawyer said.", "his lawyer"),
        ("Police said the man was detained on Monday.", "police"),
        (
            "The regional emergencies service said 400 people left.",
            "the regional emergencies service",
        ),
        ("Two Turkish officials told reporters the border was shut.", "two Turkish officials"),
        ("He refused the drugs in April, defense lawyers say.", "defense lawyers"),
        ("The Federal Security Service said it detained two men.", "the Federal Security Service"),
        ("People who spoke to police said they heard shots.", None),
    ],
    ids=["local-police", "his-lawyer", "police", "service", "officials", "say", "named", "object"],
)
def test_a_source_told_by_what_it_is(sentence: str, who: str | None) -> None:
    """'police said', 'his lawyer said' named no source: the reader saw no 'according to'."""
    assert attribute(sentence).who == who


@pytest.mark.parametrize(
    ("sentence", "who"),
    [
        (
            "He was suspended on 24 March, the regional prosecutor's office said.",
            "the regional prosecutor's office",
        ),
        ("The Kremlin press service said it was aware of the reports.", None),
        ("On Monday police said the road had been blocked.", "police"),
        (
            "The captain was charged on Thursday, prosecutors in Split said.",
            "prosecutors in Split",
        ),
    ],
    ids=["possessive", "part-of-a-name", "after-a-day", "placed"],
)
def test_a_described_source_is_not_cut_from_its_phrase(sentence: str, who: str | None) -> None:
    """'the regional prosecutor's office said' read 'according to office', 'prosecutors in
    Split said' 'according to Split'."""
    assert attribute(sentence).who == who


@pytest.mark.parametrize(
    ("sentence", "who"),
    [
        (
            "Police detained three more suspects, a law enforcement source told reporters.",
            "a law enforcement source",
        ),
        (
            "A source close to the investigation told reporters the suspect had confessed.",
            "a source close to the investigation",
        ),
        (
            "Two sources familiar with the matter said the deal was signed on Friday.",
            "two sources familiar with the matter",
        ),
        ("The data source said nothing about the floods.", None),
    ],
    ids=["law-enforcement", "close-to", "familiar-with", "no-determiner-no-source"],
)
def test_an_unnamed_source_is_named_as_the_text_describes_it(
    sentence: str, who: str | None
) -> None:
    """'a law enforcement source told TASS' gave no 'according to' line at all."""
    assert attribute(sentence).who == who
