"""Generalisation floors: the held-out sets (written for checking, not for tuning) must not
silently get worse. Floors sit about 0.1 below the figures measured when they were pinned."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.evaluate import evaluate

DATA = Path(__file__).resolve().parents[1] / "data"

FLOORS = {
    "heldout": {"recall": 0.9, "precision": 0.84, "date_f1": 0.9},
    "heldout2": {"recall": 0.9, "precision": 0.72, "date_f1": 0.9},
}


@pytest.mark.parametrize("name", sorted(FLOORS))
async def test_held_out_sets_stay_above_their_floors(name: str) -> None:
    folder = DATA / name
    report = await evaluate(folder / "gold.yaml", folder)
    floors = FLOORS[name]
    assert report.recall >= floors["recall"], report.lines()
    assert report.precision >= floors["precision"], report.lines()
    assert report.date_f1 >= floors["date_f1"], report.lines()
    assert report.citation_validity == 1.0
