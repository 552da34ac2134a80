"""Patterns that start with "(?=[...])" name the characters a match can start with, so that
the regex engine passes over the rest of a sentence quickly. A character left out would
silently drop matches: taken off, every such pattern must find exactly the same."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest

from benchmarks.synthetic_news import write_articles
from tests.conftest import CORPUS

MODULES = ("attribution", "clean", "events", "people", "world", "places", "summaries")
GUARD = re.compile(r"^\(\?=\[[^\]]+\]\)")
DATA = Path(__file__).resolve().parents[1] / "data"


def guarded_patterns() -> list[Any]:
    found = []
    for module_name in MODULES:
        module = importlib.import_module(f"ingest.{module_name}")
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and GUARD.match(value.pattern):
                found.append(pytest.param(value, id=f"{module_name}.{name}"))
    return found


def texts(tmp_path: Path) -> list[str]:
    files = [*DATA.glob("heldout*/*.txt"), *CORPUS.glob("*.md"), *CORPUS.glob("*.txt")]
    files += write_articles(tmp_path, 20, seed=3)
    return [path.read_text("utf-8") for path in files]


def test_there_are_guarded_patterns_to_check() -> None:
    assert len(guarded_patterns()) >= 10


@pytest.mark.parametrize("pattern", guarded_patterns())
def test_a_guard_changes_no_match(pattern: re.Pattern[str], tmp_path: Path) -> None:
    unguarded = re.compile(GUARD.sub("", pattern.pattern), pattern.flags)
    for text in texts(tmp_path):
        for line in text.splitlines():
            expected = [m.span() for m in unguarded.finditer(line)]
            assert [m.span() for m in pattern.finditer(line)] == expected, line
