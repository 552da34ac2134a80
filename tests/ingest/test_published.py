"""The publication date: declared, from the URL, or inferred from the text."""

from __future__ import annotations

from ingest.article import Article
from ingest.published import publication_date


def test_declared_then_url() -> None:
    assert publication_date(Article("x", published="2021-10-05")) == ("2021-10-05", False)
    assert publication_date(Article("x", url="https://a.test/2021/10/06/story")) == (
        "2021-10-06",
        False,
    )


def test_inferred_from_the_latest_anchored_day() -> None:
    text = (
        "The trial opened on March 3, 2020, in the regional court.\n"
        "The verdict came on Tuesday, June 8, 2021, after a long delay.\n"
        "The lawyer said on Friday that he would appeal.\n"
    )
    assert publication_date(Article(text)) == ("2021-06-08", True)


def test_a_contradicting_weekday_is_not_an_anchor() -> None:
    text = (
        "The trial opened on March 3, 2020, in the regional court.\n"
        "The verdict came on Monday, June 8, 2021, after a long delay.\n"
    )
    assert publication_date(Article(text)) == ("2020-03-03", True)


def test_years_alone_give_no_day() -> None:
    assert publication_date(Article("The group was founded in 2011 and moved in 2015.\n")) == (
        None,
        False,
    )


# An inverted pyramid: the newest day comes first, without its year; the year is told later,
# history is mentioned after it, and the page ends in a teaser and an appeal with dates.
WILDFIRE = (
    "The regional government announced an aid package on Monday, 1 August, for the families "
    "who lost their homes in the wildfire near the regional capital.\n"
    "The fire broke out on Saturday, 23 July 2022, in forests east of the city and was "
    "contained on Thursday, July 28, after burning more than 4,000 hectares of taiga.\n"
    "On Sunday, residents of the worst-hit villages gathered outside the district "
    "administration to demand the compensation promised last month.\n"
    "The region suffered a similar fire in July 2018, and in 2007 a blaze destroyed two "
    "villages nearby.\n"
    "Read more\n"
    "Regional court jails anarchist student for two years on 2 August\n"
    "Help us keep reporting: donate by 31 December 2025 and double your gift.\n"
)


def test_a_yearless_day_whose_weekday_fits_the_story_year_is_the_latest_day() -> None:
    article = Article(WILDFIRE, title="Aid promised after wildfire")
    assert publication_date(article) == ("2022-08-01", True)


def test_history_told_after_the_news_does_not_pull_the_day_back() -> None:
    text = WILDFIRE.replace(
        "in 2007 a blaze", "on Wednesday, 1 August 2007, a blaze"
    )  # a full date in the past, after the news in the text
    assert publication_date(Article(text, title="Aid promised")) == ("2022-08-01", True)


def test_furniture_dates_do_not_count() -> None:
    # Kept as article text, the teaser's "2 August" and the appeal's "31 December 2025"
    # would both be later than the news.
    assert publication_date(Article(WILDFIRE)) == ("2022-08-01", True)


def test_a_weekday_that_does_not_fit_the_story_year_anchors_nothing() -> None:
    text = WILDFIRE.replace("Monday, 1 August", "Tuesday, 1 August")  # a Monday in 2022
    assert publication_date(Article(text)) == ("2022-07-28", True)


def test_an_announced_day_is_not_a_day_that_came() -> None:
    text = WILDFIRE + "The governor will visit the villages on Friday, 5 August.\n"
    text = text.replace("Read more\n", "").replace(
        "Regional court jails anarchist student for two years on 2 August\n", ""
    )
    assert publication_date(Article(text)) == ("2022-08-01", True)


def test_a_weekday_fitting_the_next_year_turns_the_year() -> None:
    text = (
        "The protest began on Tuesday, 28 December 2021, outside the city hall.\n"
        "Police dispersed the last protesters on Monday, 3 January, the organisers said.\n"
    )
    assert publication_date(Article(text)) == ("2022-01-03", True)


async def test_the_story_is_dated_in_its_own_year_once_the_day_is_inferred() -> None:
    from ingest.pipeline import prepare_article

    prepared = await prepare_article(Article(WILDFIRE, title="Aid promised after wildfire"))
    dates = {getattr(d, "date", None) for d in prepared.drafts}
    assert (prepared.published, prepared.published_inferred) == ("2022-08-01", True)
    # The aid package in 2022, not 2021; "On Sunday" the day after the fire was contained.
    assert {"2022-08-01", "2022-07-23", "2022-07-28", "2022-07-31"} <= dates
    assert "2021-08-01" not in dates


def test_a_plan_counts_in_its_own_sentence_however_long_and_not_in_the_next() -> None:
    """Plans are looked up once per paragraph (searching the sentence before each date was
    quadratic when the sentence never ended: 2 MB of dated words without a full stop took
    over an hour); the dates they announce are the same."""
    dated = "On 3 March 2021 the court sat and " + "on 4 March 2021 it sat and " * 2000
    planned = "The minister will sign, he said, " + dated.lower() + "on 9 March 2021 a decree."
    assert publication_date(Article(planned)) == (None, False)
    told = "The minister will sign it. " + dated + "on 9 March 2021 it was signed."
    assert publication_date(Article(told)) == ("2021-03-09", True)


def test_a_limit_just_before_a_yearless_day_counts_in_a_long_paragraph() -> None:
    """'for' or 'until' is looked for just before each yearless day, not in the whole text
    before it (quadratic: 100 kB of 'on Monday, 4 October,' took 5 s, 2 MB over half an
    hour); the days it rules out are the same."""
    told = "On 1 October 2021 the court sat, " + "and on Monday, 4 October, it sat " * 1000
    assert publication_date(Article(told + "again.")) == ("2021-10-04", True)
    limited = told + "and the hearing was adjourned until Friday, 8 October."
    assert publication_date(Article(limited)) == ("2021-10-04", True)
    assert publication_date(Article(told + "and on Friday, 8 October, it ruled.")) == (
        "2021-10-08",
        True,
    )
