import pytest

from ingest.summaries import DANGLING_END, drop_dangling_end


@pytest.mark.parametrize(
    "text",
    [
        "Police detained 40 protesters",
        "Police detained 40 protesters in",
        "The report was published by the",
        "The report was published by the  ",
        "The court heard the appeal of the region’s",
        "The court heard the appeal of the region's\n",
        "by the",
        " by the",
        "by",
        "",
        "   ",
        "Released",
        "The video published\u00a0by",
        "He spoke about\tthe",
        "Investigators said the prisoner’s lawyer",
        "The words stand-by and by-pass",
    ],
    ids=lambda text: repr(text)[:30],
)
def test_dangling_end_is_dropped_as_the_pattern_says(text: str) -> None:
    assert drop_dangling_end(text) == DANGLING_END.sub("", text)


def test_dangling_end_keeps_the_words_before_it() -> None:
    assert drop_dangling_end("The video was shown to the") == "The video was shown"
