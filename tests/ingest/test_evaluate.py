# ruff: noqa: E501  (sample articles are prose, one paragraph a line)
"""The evaluator itself, on a tiny corpus whose right answers are known."""

from __future__ import annotations

from pathlib import Path

from ingest.evaluate import assign, evaluate

ONE = """---
title: Warden fired
url: https://one.test/a
published: 2023-05-10
---
The regional prison service fired the warden of penal colony No. 3 in the Kursk region on Tuesday, after a riot in which two inmates were injured.
On Tuesday, the Kursk regional court also sentenced a former guard to six years for beating inmates.
The governor founded a prison reform council in 2010 to inspect colonies in the region.
"""
TWO = """---
title: Court fines activists
url: https://two.test/b
published: 2023-05-12
---
A court in Omsk fined three activists on Thursday for a picket outside penal colony No. 7, the activists' lawyer said.
"""
GOLD = """
events:
  - {id: fired, date: "2023-05-09", places: [Kursk], sources: [one.txt]}
  - {id: sentenced, date: "2023-05-09", places: [Kursk], sources: [one.txt]}
  - {id: fined, date: "2023-05-11", places: [Omsk], sources: [two.txt]}
  - {id: missing, date: "2023-04", places: [], sources: [one.txt]}
  - {id: council, date: "2010", optional: true, places: [], sources: [one.txt]}
noise:
  - two inmates were injured
"""


async def test_figures_on_a_known_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "one.txt").write_text(ONE)
    (corpus / "two.txt").write_text(TWO)
    gold = tmp_path / "gold.yaml"
    gold.write_text(GOLD)
    report = await evaluate(gold, corpus)
    assert set(report.matched) == {"fired", "sentenced", "fined"}
    assert report.missed == ["missing"]
    assert report.recall == 3 / 4
    assert report.neutral == 1  # the optional council
    assert report.precision == 1.0
    assert report.citation_validity == 1.0
    # the gold dates {2023-05-09, 2023-05-11, 2023-04}; produced {2023-05-09, 2023-05-11}
    assert abs(report.date_f1 - 0.8) < 1e-9
    assert [noise for noise, _ in report.noise_hits] == ["two inmates were injured"]
    assert report.place_filters["Kursk"]["missing"] == []
    assert report.place_filters["Kursk"]["leaked"] == []
    assert len(report.place_filters["Omsk"]["found"]) == 1


def test_assignment_is_maximal_then_heaviest() -> None:
    # Greedy would give row 0 column 0 and leave row 1 without a partner.
    assert assign([[5.0, 1.0], [4.0, None]]) == [1, 0]
    assert assign([[None, None], [1.0, 2.0]]) == [None, 1]
    assert assign([]) == []
