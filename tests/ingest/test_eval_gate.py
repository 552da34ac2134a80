"""The extraction quality gate: the sample corpus against its gold file, floors pinned."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.evaluate import Report, corpus_fingerprint, evaluate

FLOORS = json.loads((Path(__file__).with_name("eval_floors.json")).read_text("utf-8"))
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def report(corpus: Path) -> Report:
    if corpus_fingerprint(corpus) != FLOORS["corpus_sha256"]:
        pytest.fail(
            "the sample corpus changed: re-measure with `briefbot eval` and re-pin "
            "tests/ingest/eval_floors.json on purpose"
        )
    return await evaluate(corpus / "gold.yaml", corpus)


async def test_figures_stay_above_the_pinned_floors(report: Report) -> None:
    assert report.recall >= FLOORS["recall"], report.lines()
    assert report.precision >= FLOORS["precision"], report.lines()
    assert report.date_f1 >= FLOORS["date_f1"], report.lines()
    assert report.citation_validity >= FLOORS["citation_validity"]
    assert report.noise_count <= FLOORS["noise_hits"], report.noise_hits


async def test_the_leak_announcement_is_one_event_citing_several_articles(report: Report) -> None:
    gold_id = FLOORS["leak_event"]
    assert gold_id in report.matched
    assert report.sources_per_gold[gold_id] >= FLOORS["leak_event_min_sources"]


async def test_filtering_by_place_finds_exactly_that_place(report: Report) -> None:
    for place in FLOORS["place_filters"]:
        result = report.place_filters[place]
        assert result["missing"] == [], (place, result)
        assert result["leaked"] == [], (place, result)


async def test_excerpts_are_verbatim_and_summaries_short(report: Report) -> None:
    for produced in report.events:
        assert len(produced.event.summary) <= 200
        assert produced.event.summary[0].isupper()
        for citation in produced.event.citations:
            assert citation.excerpt and citation.excerpt == citation.excerpt.strip()


def test_the_eval_command_prints_the_figures(corpus: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "eval", str(corpus / "gold.yaml"), str(corpus)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for label in ("event recall", "precision", "date-F1", "citation validity", "noise hits"):
        assert label in result.stdout


def test_the_eval_command_refuses_bad_arguments(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "eval", str(tmp_path / "missing.yaml"), str(tmp_path)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 2
    assert "GOLD must be a file" in result.stderr
    bad = tmp_path / "gold.yaml"
    bad.write_text("events:\n  - {id: x, date: '2021', places: [Narnia], sources: []}\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "eval", str(bad), str(tmp_path)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 2
    assert "Narnia" in result.stderr
