# ruff: noqa: E501  (benchmark-format lines are long)
"""Timeline17 scoring on a tiny topic folder of the benchmark's format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ingest.timeline17 import detokenize, evaluate_topic

REPO = Path(__file__).resolve().parents[2]


def test_detokenize_restores_prose() -> None:
    text = "The quake -LRB- magnitude 7 -RRB- struck `` without warning '' , officials said .\n"
    assert detokenize(text) == "The quake (magnitude 7) struck “without warning”, officials said."
    assert detokenize("Michael 's doctor did n't testify .") == "Michael's doctor didn't testify."


def topic(tmp_path: Path) -> Path:
    folder = tmp_path / "t17-test"
    folder.mkdir()
    articles = [
        {
            "id": "a",
            "pub_date": "2010-01-13",
            "text": "A strong earthquake struck the capital on Tuesday , officials said .\n",
        },
        {
            "id": "b",
            "pub_date": "2010-01-14",
            "text": "Rescuers reached the city on Wednesday , the UN said .\nThe quake struck on Tuesday .\n",
        },
        {
            "id": "c",
            "pub_date": "2010-01-15",
            "text": "Aid planes landed on Thursday , the airport said .\n",
        },
    ]
    (folder / "articles.jsonl").write_text("\n".join(json.dumps(a) for a in articles) + "\n")
    reference = [["2010-01-12", ["The quake struck."]], ["2010-01-14", ["Aid arrived."]]]
    (folder / "timeline.json").write_text(json.dumps(reference))
    return folder


def test_date_f1_of_the_best_supported_dates(tmp_path: Path) -> None:
    result = evaluate_topic(topic(tmp_path))
    # 2010-01-12 has two articles' support; the second slot goes to one of the single-vote
    # days, the earliest first: 2010-01-13 (Wednesday), not the reference's 2010-01-14.
    assert (result.articles, result.reference_dates, result.produced_dates) == (3, 2, 2)
    assert result.hits == 1
    assert result.f1 == 0.5


def test_the_eval_t17_command(tmp_path: Path) -> None:
    topic(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "bot", "eval-t17", str(tmp_path)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "t17-test: Date-F1 0.500" in run.stdout
