"""Date-F1 on Timeline17 topics: does event extraction generalise to another story?

Each topic folder holds `articles.jsonl` ({"id", "pub_date", "text"}, the benchmark's
tokenised text) and `timeline.json` ([[date, [sentences]], ...], the reference). The text is
detokenised (`-LRB-` -> `(`, ``` `` ``` -> `“`, spaces before punctuation removed), events are
extracted from every article with its publication date, and each day-precise event date
gets one vote per article that reports an event on it. The produced timeline is the
reference's number of dates with the most votes (ties: more events, then earlier), as in
the literature's date selection by support; Date-F1 compares its days with the reference's
days exactly.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ingest.events import extract

TOKEN_FIXES = [
    (re.compile(r"-LRB-"), "("),
    (re.compile(r"-RRB-"), ")"),
    (re.compile(r"-LSB-"), "["),
    (re.compile(r"-RSB-"), "]"),
    (re.compile(r"-LCB-"), "{"),
    (re.compile(r"-RCB-"), "}"),
    (re.compile(r"``\s*"), "“"),
    (re.compile(r"\s*''"), "”"),
    (re.compile(r"`\s*"), "‘"),
    (re.compile(r"\s+(?=[.,;:!?%)\]}”’]|'s\b|n't\b|'re\b|'ll\b|'ve\b|'d\b|'m\b)"), ""),
    (re.compile(r"(?<=[(\[{“‘$])\s+"), ""),
]


def detokenize(text: str) -> str:
    """The benchmark's tokenised text as ordinary prose, one sentence a line."""
    lines = []
    for line in text.split("\n"):
        for pattern, replacement in TOKEN_FIXES:
            line = pattern.sub(replacement, line)
        lines.append(" ".join(line.split()))
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class TopicResult:
    topic: str
    articles: int
    reference_dates: int
    produced_dates: int
    hits: int
    seconds: float

    @property
    def precision(self) -> float:
        return self.hits / self.produced_dates if self.produced_dates else 0.0

    @property
    def recall(self) -> float:
        return self.hits / self.reference_dates if self.reference_dates else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self) -> str:
        return (
            f"{self.topic}: Date-F1 {self.f1:.3f} (P {self.precision:.3f}, R {self.recall:.3f}; "
            f"{self.hits}/{self.reference_dates} reference dates; {self.articles} articles "
            f"in {self.seconds:.1f} s)"
        )


def date_votes(articles: list[dict]) -> tuple[Counter[str], Counter[str]]:
    """(articles reporting an event on each day, events on each day)."""
    votes: Counter[str] = Counter()
    events: Counter[str] = Counter()
    for article in articles:
        text = detokenize(str(article.get("text", "")))
        published = str(article.get("pub_date") or "") or None
        days = []
        for draft in extract(text, published):
            if draft.date and len(draft.date) == 10 and draft.status != "background":
                days.append(draft.date)
        events.update(days)
        votes.update(set(days))
    return votes, events


def evaluate_topic(folder: Path, limit: int | None = None) -> TopicResult:
    """Date-F1 of one topic folder."""
    started = time.perf_counter()
    articles = []
    with (folder / "articles.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                articles.append(json.loads(line))
            if limit is not None and len(articles) >= limit:
                break
    reference = {day for day, _ in json.loads((folder / "timeline.json").read_text("utf-8"))}
    latest = max((str(a.get("pub_date", "")) for a in articles), default="")
    votes, events = date_votes(articles)
    ranked = sorted((d for d in votes if d <= latest), key=lambda d: (-votes[d], -events[d], d))
    produced = set(ranked[: len(reference)])
    return TopicResult(
        folder.name,
        len(articles),
        len(reference),
        len(produced),
        len(produced & reference),
        time.perf_counter() - started,
    )


def evaluate_topics(directory: Path, limit: int | None = None) -> list[TopicResult]:
    """Every topic folder under `directory` (or `directory` itself when it is one)."""
    folders = (
        [directory]
        if (directory / "articles.jsonl").is_file()
        else sorted(p for p in directory.iterdir() if (p / "articles.jsonl").is_file())
    )
    return [evaluate_topic(folder, limit) for folder in folders]
