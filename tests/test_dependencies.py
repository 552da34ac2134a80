"""Every package the code imports is declared in pyproject.toml, and the README's dependency
table names exactly the declared ones: a package that only came along with another (lxml
with trafilatura) would vanish the day that one stops needing it."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"config", "store", "ingest", "bot", "benchmarks", "tests"}
# Imported directly, but part of a declared package that requires it by design.
PROVIDED_BY = {"pydantic": "pydantic-settings", "tornado": "python-telegram-bot"}


def canonical(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return canonical(match.group())


def declared(*extras: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    return {requirement_name(r) for r in requirements}


def imported_modules(package: str) -> set[str]:
    """Top-level names of the modules the package's files import (lazy imports included)."""
    names: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - OURS - set(sys.stdlib_module_names)


def distribution(module: str) -> str:
    if module in PROVIDED_BY:
        return canonical(PROVIDED_BY[module])
    installed = packages_distributions().get(module)
    return canonical(installed[0] if installed else module)


@pytest.mark.parametrize(
    ("package", "extras"),
    [
        ("config", ()),
        ("store", ()),
        ("ingest", ()),
        ("bot", ()),
        ("benchmarks", ("bench", "dev")),
    ],
    ids=["config", "store", "ingest", "bot", "benchmarks"],
)
def test_every_imported_package_is_declared(package: str, extras: tuple[str, ...]) -> None:
    missing = {m for m in imported_modules(package) if distribution(m) not in declared(*extras)}
    assert not missing, f"{package} imports undeclared packages: {sorted(missing)}"


def readme_dependencies() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Dependencies and why", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for first_cell in re.findall(r"^\| ([^|]+) \|", section, flags=re.M):
        if first_cell.strip() in ("package", "---"):
            continue
        # "rapidfuzz, jellyfish"; the commas inside "[job-queue,webhooks]" join extras.
        for entry in re.split(r",(?![^\[]*\])", first_cell):
            names.add(requirement_name(entry.strip()))
    return names


def test_the_readme_table_names_exactly_the_runtime_dependencies() -> None:
    assert readme_dependencies() == declared()
