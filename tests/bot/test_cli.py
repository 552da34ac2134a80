"""The command line as a user runs it: output lines, exit codes, and what is stored."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from store import Store

REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[int, str]:
    """Run `briefbot ARGS` in a subprocess, as a user would, and return (exit code, stdout)."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=os.getcwd(),
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


async def create_store(db: Path) -> None:
    await (await Store.open(db)).close()


def stored_sources(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT file, content_hash FROM sources ORDER BY id").fetchall()


def test_help_documents_every_command() -> None:
    code, out = run("--help")
    assert code == 0
    for command in ("ingest", "export", "ask", "console", "run"):
        assert command in out


def test_ingest_corpus_then_export_json_shape(corpus: Path, db_path: Path) -> None:
    code, out = run("ingest", str(corpus))
    assert code == 0, out
    assert "5 articles: 5 added, 0 already present, 0 rejected" in out.splitlines()
    code, out = run("export", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"sources", "events"}
    assert len(data["sources"]) == 5
    for source in data["sources"]:
        assert set(source) == {
            "id",
            "file",
            "url",
            "outlet",
            "title",
            "published",
            "published_inferred",
        }
        assert source["file"].endswith(".txt")
    texts = {s["id"]: (corpus / s["file"]).read_text() for s in data["sources"]}
    for event in data["events"]:
        assert set(event) == {
            "id",
            "date",
            "end",
            "summary",
            "places",
            "people",
            "status",
            "citations",
            "attribution",
        }
        for citation in event["citations"]:
            assert citation["excerpt"] in texts[citation["source"]]
    # Who says so, as a reader sees it under the event (the export left it out).
    attributed = [event for event in data["events"] if event["attribution"]]
    assert attributed
    code, shown = run("ask", f"/event {attributed[0]['id']}")
    assert code == 0 and f"according to {attributed[0]['attribution']}" in shown.splitlines()


def test_reingest_reports_already_present_and_changes_nothing(corpus: Path, db_path: Path) -> None:
    run("ingest", str(corpus))
    before = stored_sources(db_path)
    code, out = run("ingest", str(corpus))
    assert code == 0
    assert out.count("present") >= 5
    assert stored_sources(db_path) == before


def test_bad_files_are_rejected_one_line_each_and_nothing_changes(
    corpus: Path, db_path: Path, tmp_path: Path
) -> None:
    run("ingest", str(corpus / sorted(p.name for p in corpus.glob("0*.txt"))[0]))
    before = stored_sources(db_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 10)
    (bad / "front.txt").write_text("---\ntitle: [oops\n---\nSome text.")
    # Named directly, a file of another kind is refused as a folder would skip it.
    (tmp_path / "timeline.yaml").write_text("events:\n- date: 2021-10-05\n  summary: Text.\n")
    code, out = run(
        "ingest", str(bad), str(tmp_path / "missing.txt"), str(tmp_path / "timeline.yaml")
    )
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith("rejected")]
    assert len(lines) == 5
    assert "empty file" in out and "binary" in out and "front matter" in out
    assert "no such file" in out
    assert "timeline.yaml: not an article file (.htm, .html, .md, .txt)" in out
    assert "Traceback" not in out
    assert stored_sources(db_path) == before


def test_a_page_that_breaks_html_extraction_is_one_line_of_the_report(
    tmp_path: Path, db_path: Path
) -> None:
    """An .html file whose root is <svg> stopped the whole run with a traceback."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.html").write_bytes(
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>x()</script><text>1</text></svg>"
    )
    (folder / "b.html").write_bytes(
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"
        b"<p>On 5 October 2021 a fire broke out in the town, officials said.</p>"
    )
    code, out = run("ingest", str(folder))
    assert code == 1, out
    assert f"rejected  {folder}/a.html: no article text" in out
    assert out.splitlines()[1].startswith(f"added     {folder}/b.html: ")
    assert "Traceback" not in out
    assert [file for file, _ in stored_sources(db_path)] == ["b.html"]


def test_a_file_name_that_is_not_utf8_is_ingested(tmp_path: Path, corpus: Path) -> None:
    """A name the file system's encoding cannot decode was a traceback from the store."""
    folder = tmp_path / "articles"
    folder.mkdir()
    article = next(p for p in sorted(corpus.iterdir()) if p.suffix == ".txt")
    with open(os.fsencode(folder) + b"/\xffnews.txt", "wb") as undecodable:
        undecodable.write(article.read_bytes())
    code, out = run("ingest", str(folder))
    assert code == 0, out
    assert out.splitlines()[0].startswith(f"added     {folder}/?news.txt: ")
    assert [file for file, _ in stored_sources(Path(os.environ["BRIEFBOT_DB"]))] == ["?news.txt"]


def test_a_reader_gone_ends_the_report_not_the_ingest(tmp_path: Path, db_path: Path) -> None:
    """`briefbot ingest folder | head -1` stored the articles up to the first line that could
    not be written and exited 0 (unbuffered here, so that three articles show it)."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for n in range(3):
        (folder / f"{n}.txt").write_text(f"On 5 October 2021 witness {n} was heard in court.\n")
    child = subprocess.Popen(
        [sys.executable, "-m", "bot", "ingest", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"},
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    with child.stderr:
        err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 0
    assert "Traceback" not in err
    assert len(stored_sources(db_path)) == 3


def test_a_page_trafilatura_cannot_parse_is_added_without_error_lines(tmp_path: Path) -> None:
    """The article was added, read by our own fallback, under two ERROR lines."""
    page = tmp_path / "nested.html"
    sentence = "On 9 October 2021 a fire broke out in a factory in Kazan, officials said."
    page.write_text("<div>" * 3000 + sentence + "</div>")
    code, out = run("ingest", str(page))
    assert code == 0
    assert out.splitlines() == [
        f"added     {page}: 1 new event, 0 existing events also cited",
        "1 article: 1 added, 0 already present, 0 rejected",  # was '1 articles'
    ]


def test_a_folder_without_articles_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    code, out = run("ingest", str(tmp_path))
    assert code == 2
    assert out.strip() == "briefbot: no article files (.htm, .html, .md, .txt) in the paths given"


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["ingest"])
    assert exit_info.value.code == 2


def test_malformed_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BRIEFBOT_MAINTAINERS", "12,abc")
    assert main(["export"]) == 2
    err = capsys.readouterr().err
    assert "BRIEFBOT_MAINTAINERS" in err and len(err.strip().splitlines()) == 1


def test_run_without_token_names_the_variable_and_never_echoes_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run"]) == 2
    assert "BRIEFBOT_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("BRIEFBOT_TOKEN", "123:secret-token")
    monkeypatch.setenv("BRIEFBOT_TIMEZONE", "Mars/Olympus")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "BRIEFBOT_TIMEZONE" in err and "secret-token" not in err


@pytest.mark.parametrize("command", [["ask", "/timeline"], ["ingest", "."], ["run"]])
def test_a_database_that_cannot_be_opened_is_named_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    not_a_database = tmp_path / "notes.sqlite3"
    not_a_database.write_text("my notes, not a briefing\n")
    monkeypatch.setenv("BRIEFBOT_DB", str(not_a_database))
    monkeypatch.setenv("BRIEFBOT_TOKEN", "123:secret-token")
    code, out = run(*command)  # in a subprocess: an open connection would keep it running
    assert code == 2, out
    assert out.strip().splitlines() == [
        f"briefbot: BRIEFBOT_DB: {not_a_database} cannot be opened: file is not a database"
    ]
    assert not_a_database.read_text() == "my notes, not a briefing\n"
    monkeypatch.setenv("BRIEFBOT_DB", str(tmp_path))  # a folder
    code, out = run(*command)
    assert code == 2 and "cannot be opened" in out and "Traceback" not in out, out


@pytest.mark.parametrize(
    "command",
    [["export", "--format", "json"], ["ask", "/timeline"], ["console"]],
    ids=lambda c: c[0],
)
def test_reading_a_database_that_does_not_exist_is_an_error_and_creates_none(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    """A misspelt BRIEFBOT_DB must not show an empty briefing as if it were the story
    (ask and console said 'The briefing has no events yet.' and created the file)."""
    missing = tmp_path / "misspelt" / "briefbot.sqlite3"
    monkeypatch.setenv("BRIEFBOT_DB", str(missing))
    assert main(command) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip().splitlines() == [
        f"briefbot: BRIEFBOT_DB: {missing} does not exist (briefbot ingest creates it)"
    ]
    assert not missing.parent.exists()


def test_ask_prints_plain_text(corpus: Path) -> None:
    run("ingest", str(corpus))
    code, out = run("ask", "/help")
    assert code == 0
    assert "/timeline" in out and "<" not in out


def test_ask_apologises_for_a_failing_command(
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def fails(*_: object) -> list[object]:
        raise RuntimeError("a bug in one command")

    monkeypatch.setenv("BRIEFBOT_DB", str(db_path))
    asyncio.run(create_store(db_path))
    monkeypatch.setattr("bot.console.answers_for", fails)
    assert main(["ask", "/timeline"]) == 1
    assert capsys.readouterr().out == "Sorry, something went wrong.\n"
    assert "a bug in one command" in caplog.text  # logged, with its traceback


def test_installed_console_script_works() -> None:
    """`make test` installs the package; its `briefbot` script must run."""
    script = Path(sys.executable).parent / "briefbot"
    if not script.exists():
        pytest.skip("briefbot is not installed in this virtual environment")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "ingest" in result.stdout


@pytest.mark.parametrize(
    "command",
    [["export", "--format", "json"], ["ask", "/timeline"], ["eval", "{gold}", "{corpus}"]],
)
def test_closed_pipe_is_not_a_traceback(corpus: Path, command: list[str]) -> None:
    run("ingest", str(corpus))
    gold = next(corpus.glob("*.yaml"))
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            *(part.format(gold=gold, corpus=corpus) for part in command),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # the reader is gone before the export writes, like `| head -0`
    with child.stderr:
        err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 0
    assert "Traceback" not in err


def test_a_terminal_that_is_not_utf8_gets_utf8_json_and_readable_answers(corpus: Path) -> None:
    """A Latin-1 or ASCII locale's stdout failed at the first curly quote, with a traceback."""
    run("ingest", str(corpus))
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "latin-1"}
    export = subprocess.run(
        [sys.executable, "-m", "bot", "export"], capture_output=True, env=env, timeout=120
    )
    assert export.returncode == 0, export.stderr
    data = json.loads(export.stdout.decode("utf-8"))  # JSON is UTF-8 whatever the locale
    assert any("’" in event["summary"] for event in data["events"])
    code, utf8 = run("export")
    assert json.loads(utf8) == data
    env["PYTHONIOENCODING"] = "ascii"
    ask = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "/timeline"],
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert ask.returncode == 0, ask.stderr
    assert ask.stdout.decode("ascii").startswith("Timeline\n")
    assert b"Traceback" not in ask.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize(
    "command",
    [["export"], ["ask", "/help"], ["ingest", "{corpus}"], ["console"]],
    ids=lambda c: c[0],
)
def test_output_that_cannot_be_written_is_one_line_and_exit_1(
    corpus: Path, command: list[str]
) -> None:
    """A full disk under `briefbot export > briefing.json` was a traceback."""
    run("ingest", str(next(corpus.glob("0*.txt"))))
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "bot", *(part.format(corpus=corpus) for part in command)],
            stdin=subprocess.DEVNULL,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            timeout=120,
        )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "briefbot: cannot write the output: No space left on device"
    ]


def test_a_link_to_a_missing_file_in_a_folder_is_a_line_of_the_report(
    tmp_path: Path, corpus: Path, db_path: Path
) -> None:
    """It was passed over without a word, and the run said all was well."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_bytes(next(corpus.glob("0*.txt")).read_bytes())
    (folder / "gone.txt").symlink_to(tmp_path / "moved-away.txt")
    (folder / "up").symlink_to(tmp_path)  # a link to a folder is not followed
    code, out = run("ingest", str(folder))
    assert code == 1, out
    lines = out.splitlines()
    assert lines[0].startswith(f"added     {folder}/a.txt: ")
    assert lines[1:] == [
        f"rejected  {folder}/gone.txt: a link to a file that does not exist",
        "2 articles: 1 added, 0 already present, 1 rejected",
    ]
    assert [file for file, _ in stored_sources(db_path)] == ["a.txt"]


def test_a_folder_that_cannot_be_read_is_a_line_of_the_report(
    tmp_path: Path,
    corpus: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Its articles were passed over without a word (and a folder named alone was 'no
    article files'). Permissions do not bind root, so the refusal is the system call's."""
    folder = tmp_path / "articles"
    locked = folder / "locked"
    locked.mkdir(parents=True)
    (folder / "a.txt").write_bytes(next(corpus.glob("0*.txt")).read_bytes())
    (locked / "b.txt").write_text("On 5 October 2021 a fire broke out, officials said.")
    scandir = os.scandir

    def refusing(path: Any = ".") -> Any:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    assert main(["ingest", str(folder)]) == 1
    assert capsys.readouterr().out.splitlines()[1:] == [
        f"rejected  {locked}: cannot read folder: Permission denied",
        "2 articles: 1 added, 0 already present, 1 rejected",
    ]


def test_ask_takes_a_message_given_as_separate_words(corpus: Path) -> None:
    """`briefbot ask /timeline 2021-10` without quotes was 'unrecognized arguments'."""
    run("ingest", str(corpus))
    code, apart = run("ask", "/timeline", "2021-10")
    assert code == 0, apart
    assert apart == run("ask", "/timeline 2021-10")[1]
    assert apart.startswith("Timeline: Oct 2021\n")


def test_an_interrupted_ingest_says_so_and_exits_130(
    tmp_path: Path,
    corpus: Path,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Ctrl-C halfway exited 0, which says every article was added, with no word."""
    import ingest.pipeline

    ingest_file = ingest.pipeline.ingest_file
    seen: list[Path] = []

    async def ctrl_c_at_the_second(store: Store, path: Path, **options: Any) -> Any:
        seen.append(path)
        if len(seen) == 2:
            raise KeyboardInterrupt
        return await ingest_file(store, path, **options)

    monkeypatch.setattr(ingest.pipeline, "ingest_file", ctrl_c_at_the_second)
    assert main(["ingest", str(corpus)]) == 130
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1 and out.startswith("added ")
    assert err == "briefbot: interrupted\n"
    assert len(stored_sources(db_path)) == 1


@pytest.mark.parametrize("command", [["ingest", "{corpus}"], ["run"]], ids=lambda c: c[0])
def test_a_database_whose_folder_cannot_be_made_is_named_in_one_line(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """A file where the database's folder should be was a NotADirectoryError traceback."""
    notes = tmp_path / "notes"
    notes.write_text("my notes\n")
    monkeypatch.setenv("BRIEFBOT_DB", str(notes / "briefings" / "briefbot.sqlite3"))
    monkeypatch.setenv("BRIEFBOT_TOKEN", "123:secret-token")
    code, out = run(*(part.format(corpus=corpus) for part in command))
    assert code == 2, out
    assert out.splitlines() == [
        f"briefbot: BRIEFBOT_DB: {notes}/briefings/briefbot.sqlite3 cannot be opened: "
        "its folder cannot be made: Not a directory"
    ]
    assert notes.read_text() == "my notes\n"


@pytest.mark.parametrize(
    ("gold", "problem"),
    [
        ("events: [\n", "while parsing a flow node expected the node content"),
        ("- just a list\n", "expected a mapping with an 'events' list"),
        ("events:\n- id: a\n", "an event has no 'date'"),
    ],
    ids=["not-yaml", "a-list", "no-date"],
)
def test_a_malformed_gold_file_is_one_line(
    tmp_path: Path, corpus: Path, gold: str, problem: str
) -> None:
    """YAML that does not parse, or a list at the top, ended in a traceback."""
    path = tmp_path / "gold.yaml"
    path.write_text(gold)
    code, out = run("eval", str(path), str(corpus))
    assert code == 2, out
    [line] = out.splitlines()
    assert line.startswith(f"briefbot eval: malformed gold file: {problem}"), line


@pytest.mark.parametrize(
    ("articles", "timeline", "problem"),
    [
        ("{not json\n", '[["2021-10-05", ["A fire."]]]', "malformed topic file: Expecting"),
        ('{"text": "On 5 October 2021 a fire."}\n', None, "timeline.json: No such file"),
        ('{"text": "On 5 October 2021 a fire."}\n', "[[1]]", "malformed topic file: "),
        ("[1, 2]\n", '[["2021-10-05", ["A fire."]]]', "malformed topic file: "),
    ],
    ids=["not-json", "no-timeline", "timeline-shape", "article-shape"],
)
def test_a_malformed_timeline17_topic_is_one_line(
    tmp_path: Path, articles: str, timeline: str | None, problem: str
) -> None:
    """A topic file that is not the benchmark's JSON ended in a traceback."""
    topic = tmp_path / "topic"
    topic.mkdir()
    (topic / "articles.jsonl").write_text(articles)
    if timeline is not None:
        (topic / "timeline.json").write_text(timeline)
    code, out = run("eval-t17", str(tmp_path))
    assert code == 2, out
    [line] = out.splitlines()
    assert line.startswith("briefbot eval-t17: ") and problem in line, line


def test_eval_t17_limit_must_be_a_count() -> None:
    """--limit 0 or -1 read one article per topic."""
    code, out = run("eval-t17", ".", "--limit", "0")
    assert code == 2
    assert "argument --limit: expected a whole number from 1 up, not '0'" in out


def test_a_file_name_with_control_characters_is_shown_and_stored_with_question_marks(
    tmp_path: Path, corpus: Path, db_path: Path
) -> None:
    """The report printed the name raw: its escape sequence turned the terminal red, and
    its line break wrote a forged line, 'added  fake.txt: 99 new events'."""
    folder = tmp_path / "articles"
    folder.mkdir()
    name = "x\x1b[31mred\nadded     fake.txt: 99 new events.txt"
    (folder / name).write_bytes(next(corpus.glob("0*.txt")).read_bytes())
    code, out = run("ingest", str(folder))
    assert code == 0, out
    shown = "x?[31mred?added     fake.txt: 99 new events.txt"
    assert out.splitlines()[0].startswith(f"added     {folder}/{shown}: ")
    assert len(out.splitlines()) == 2 and "\x1b" not in out
    assert [file for file, _ in stored_sources(db_path)] == [shown]
