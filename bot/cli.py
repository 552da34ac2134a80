"""The `briefbot` command line: ingest, export, ask, console, run, eval, eval-t17."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from config.settings import Settings, SettingsError, load_settings
from store.errors import StoreBusy, StoreReadOnly, StoreUnavailable

log = logging.getLogger(__name__)

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def redact(text: str, secrets: Sequence[str]) -> str:
    """The text with `***` for each secret (longest first: the whole token, then its
    secret half)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class RedactingFormatter(logging.Formatter):
    """Writes `***` for each secret wherever it appears in a record, traceback included:
    at DEBUG, PTB logs the API URLs it builds, and they hold the bot token."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__(LOG_FORMAT)
        self.secrets = list(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


def _token_secrets(settings: Settings) -> list[str]:
    if settings.token is None:
        return []
    token = settings.token.get_secret_value()
    return [token, token.partition(":")[2]]


def configure_logging(level: str, secrets: Sequence[str] = ()) -> None:
    """Logging is configured here only. The bot token never reaches the log: httpx stays at
    WARNING (it logs every request URL at INFO, and PTB puts the token in them), and every
    line is written through `RedactingFormatter`."""
    logging.basicConfig(level=level, stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(secrets))
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # trafilatura logs ERROR ("empty HTML tree") for a page it cannot parse, which
    # ingest/html.py then reads by itself: the article is added, nothing failed.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


def _positive(text: str) -> int:
    """A count given on the command line: --limit 0 or -1 read one article per topic."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 up, not {text[:20]!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefbot",
        description="A chat bot that keeps a cited, dated briefing on a developing story.",
        epilog="Settings come from BRIEFBOT_* environment variables or a .env file (README).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    ingest = commands.add_parser(
        "ingest",
        help="add articles (files or folders of .txt/.md/.html) to the briefing",
        description="Add articles to the briefing: one line per article (added, already "
        "present, or rejected with the reason) and a total. Exit 0 when all were added or "
        "present, 1 when any was rejected, 2 on usage errors.",
    )
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH")

    export = commands.add_parser(
        "export", help="print the whole briefing", description="Print the whole briefing."
    )
    export.add_argument("--format", choices=["json"], default="json")

    ask = commands.add_parser(
        "ask",
        help='answer one chat message, e.g. briefbot ask "/timeline"',
        description="Answer one chat message exactly as the bot would, as plain text. "
        "Exit 1 when the answer is a usage hint or refusal.",
    )
    # Words given apart are one message, as typed in a chat: `briefbot ask /timeline 2021`
    # was refused with 'unrecognized arguments: 2021'.
    ask.add_argument("message", nargs="+", metavar="MESSAGE")

    evaluate = commands.add_parser(
        "eval",
        help="score event extraction on a corpus against a gold file",
        description="Ingest every article of CORPUS_DIR into a temporary store and print "
        "event recall, precision, date-F1, citation validity and noise hits against GOLD "
        "(see ingest/evaluate.py for how events are matched).",
    )
    evaluate.add_argument("gold", type=Path, metavar="GOLD")
    evaluate.add_argument("corpus", type=Path, metavar="CORPUS_DIR")
    evaluate.add_argument("--events", action="store_true", help="also list the events")

    t17 = commands.add_parser(
        "eval-t17",
        help="Date-F1 on Timeline17 topics (folders with articles.jsonl and timeline.json)",
        description="Extract events from each Timeline17 topic under DIR and print the "
        "Date-F1 of the produced timeline against the reference (exact days).",
    )
    t17.add_argument("directory", type=Path, metavar="DIR")
    t17.add_argument(
        "--limit",
        type=_positive,
        default=None,
        help="read at most this many articles per topic",
    )

    commands.add_parser(
        "console",
        help="chat with the bot in the terminal",
        description="An interactive chat in the terminal with the bot's commands "
        "(history with the arrow keys, /help, Ctrl-D to leave).",
    )
    commands.add_parser(
        "run",
        help="start the Telegram bot",
        description="Start the Telegram bot: long polling, or a webhook when "
        "BRIEFBOT_WEBHOOK_URL is set. Needs BRIEFBOT_TOKEN.",
    )
    return parser


async def _open_store(settings: Settings):  # type: ignore[no-untyped-def]
    from store import Store

    return await Store.open(settings.db)


def _writable(path: Path) -> bool:
    """Whether this user may change the store: the file, and its folder (SQLite writes
    its log beside it)."""
    return os.access(path, os.W_OK) and os.access(path.parent.resolve(), os.W_OK)


async def _open_to_read(settings: Settings, *, writes: bool = False):  # type: ignore[no-untyped-def]
    """The store for a reader: opened read-only when its schema is current, so that a user
    who may only read it can (opening brought the schema up to date, a write, and failed
    with 'attempt to write a readonly database'). A reader that may also write (`ask`, for
    /graphic or a maintainer's command) opens it read-only only when it cannot write it.
    A schema behind this code's is brought up to date when the user can write, as before,
    and said in one line when not: nothing is changed then."""
    from store import Store
    from store.errors import StoreOutdated

    if not writes or not _writable(settings.db):
        try:
            return await Store.open(settings.db, read_only=True)
        except StoreOutdated as exc:
            if not _writable(settings.db):
                raise StoreUnavailable(
                    f"{exc}, and this user cannot write to it: run `briefbot ingest` or "
                    "`briefbot run` once as a user who can write to it and its folder; "
                    "nothing was changed"
                ) from exc
    return await Store.open(settings.db)


class OutputFailed(Exception):
    """stdout cannot be written (a full disk, an I/O error); the message says why."""


@contextlib.contextmanager
def _writing() -> Iterator[None]:
    """Writes to stdout: a failure other than a reader gone is an OutputFailed, which
    `main` reports in one line (it was a traceback, and for export a cut file)."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputFailed(exc.strerror or str(exc)) from None


def _say(line: str) -> None:
    """Print a line of a report; a reader gone (`| head -1`) ends the report, not the work
    (the rest of the articles were left out, and the exit code said all was well)."""
    try:
        with _writing():
            print(line, flush=True)
    except BrokenPipeError:
        _reader_gone()


async def cmd_ingest(settings: Settings, paths: list[Path]) -> int:
    from bot.answers import counted, events_phrase
    from ingest.article import printable_name
    from ingest.errors import ArticleRejected
    from ingest.pipeline import ARTICLE_KINDS, article_files, ingest_file

    counts = {"added": 0, "present": 0, "rejected": 0}
    store = await _open_store(settings)
    try:
        for path in article_files(paths):
            shown = printable_name(str(path))
            try:
                outcome = await ingest_file(store, path, max_bytes=settings.max_article_bytes)
            except ArticleRejected as exc:
                counts["rejected"] += 1
                _say(f"rejected  {shown}: {exc}")
                continue
            counts[outcome.status] += 1
            if outcome.status == "added":
                _say(
                    f"added     {shown}: {events_phrase(len(outcome.new_events), 'new')}, "
                    f"{events_phrase(len(outcome.supported_events), 'existing')} also cited"
                )
            else:
                _say(f"present   {shown}: already in the briefing as source {outcome.source_id}")
    finally:
        await store.close()
    total = sum(counts.values())
    if total == 0:
        # Nothing to do is a usage error: the paths name no article.
        print(f"briefbot: no article files ({ARTICLE_KINDS}) in the paths given", file=sys.stderr)
        return EXIT_USAGE
    _say(
        f"{counted(total, 'article')}: {counts['added']} added, "
        f"{counts['present']} already present, "
        f"{counts['rejected']} rejected"
    )
    return EXIT_REJECTED if counts["rejected"] else EXIT_OK


def _require_store(settings: Settings) -> None:
    """Readers of the briefing (export, ask, console) refuse a BRIEFBOT_DB that does not
    exist: opening would create an empty store, and its folders, and a misspelt path would
    show an empty briefing as if that were the story. ingest and run create it."""
    if not settings.db.exists():
        raise StoreUnavailable(f"{settings.db} does not exist (briefbot ingest creates it)")


async def cmd_export(settings: Settings) -> int:
    from bot.export import write_briefing

    _require_store(settings)
    store = await _open_to_read(settings)
    try:
        # JSON is UTF-8 (RFC 8259) whatever the locale: a Latin-1 terminal's encoder failed
        # on the first curly quote, with a traceback and an empty file. Written as it is
        # read, a batch at a time: the whole was held in memory (780 MB at 100,000 events).
        with _writing():
            sys.stdout.flush()
            await write_briefing(store, sys.stdout.buffer.write)
            sys.stdout.buffer.flush()
    finally:
        await store.close()
    return EXIT_OK


async def cmd_ask(settings: Settings, message: str) -> int:
    from bot import console
    from bot.render_text import render_answers

    _require_store(settings)
    store = await _open_to_read(settings, writes=True)
    try:
        answers = await console.answers_for(store, settings, message)
    except StoreReadOnly:
        print(
            f"briefbot: BRIEFBOT_DB: {settings.db} cannot be written by this user, and this "
            "command changes the briefing; nothing was changed",
            file=sys.stderr,
        )
        return EXIT_REJECTED
    except Exception:
        # As in the console and in Telegram: the cause to the log, an apology to the user.
        log.exception("the command %r failed", message[:200])
        print(console.APOLOGY)
        return EXIT_REJECTED
    finally:
        await store.close()
    # Printed outside the handler above: a reader gone (`| head -0`) is no failed command.
    with _writing():
        print(render_answers(answers), flush=True)
    # A usage hint or refusal is a command that did not do what was asked: a script
    # running `briefbot ask` learns so from the exit code, as from ingest's.
    return EXIT_REJECTED if any(reply.is_error for reply in answers) else EXIT_OK


async def cmd_console(settings: Settings) -> int:
    from bot.console import run_console

    _require_store(settings)
    store = await _open_to_read(settings, writes=True)
    try:
        with _writing():  # `briefbot console < commands > log` on a full disk
            await run_console(store, settings)
    finally:
        await store.close()
    return EXIT_OK


def _gold_problem(exc: Exception) -> str:
    """One line on what is wrong with a gold file (YAML's own messages take several)."""
    if isinstance(exc, KeyError):
        return f"an event has no {exc}"
    if isinstance(exc, AttributeError):  # a list or a word where the mapping should be
        return "expected a mapping with an 'events' list"
    return " ".join(str(exc).split())


async def cmd_eval(gold: Path, corpus: Path, list_events: bool) -> int:
    import yaml

    from ingest.evaluate import evaluate

    if not gold.is_file() or not corpus.is_dir():
        print("briefbot eval: GOLD must be a file and CORPUS_DIR a folder", file=sys.stderr)
        return EXIT_USAGE
    try:
        report = await evaluate(gold, corpus)
    except (ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError) as exc:
        print(f"briefbot eval: malformed gold file: {_gold_problem(exc)}", file=sys.stderr)
        return EXIT_USAGE
    for line in report.lines():
        print(line)
    if list_events:
        for produced in report.events:
            event = produced.event
            span = f"{event.date}..{event.end}" if event.end else event.date
            print(f"  #{event.id} [{span}] {event.summary} {sorted(produced.regions)}")
    return EXIT_OK


def cmd_eval_t17(directory: Path, limit: int | None) -> int:
    from ingest.timeline17 import evaluate_topics

    if not directory.is_dir():
        print("briefbot eval-t17: DIR must be a folder", file=sys.stderr)
        return EXIT_USAGE
    try:
        results = evaluate_topics(directory, limit=limit)
    except OSError as exc:  # a topic without timeline.json, a file that cannot be read
        print(f"briefbot eval-t17: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # not the benchmark's JSON
        print(f"briefbot eval-t17: malformed topic file: {_gold_problem(exc)}", file=sys.stderr)
        return EXIT_USAGE
    if not results:
        print("briefbot eval-t17: no topic folders with articles.jsonl found", file=sys.stderr)
        return EXIT_USAGE
    for result in results:
        print(result.line())
    return EXIT_OK


async def _check_store(settings: Settings) -> None:
    store = await _open_store(settings)
    await store.close()


def cmd_run(settings: Settings) -> int:
    from bot.telegram.app import TelegramUnavailable, run_bot

    # Opened (and brought up to date) before Telegram is contacted: a bad BRIEFBOT_DB is
    # reported at once, not after the bot has connected.
    asyncio.run(_check_store(settings))
    try:
        run_bot(settings)
    except TelegramUnavailable as exc:
        print(f"briefbot: {redact(str(exc), _token_secrets(settings))}", file=sys.stderr)
        return EXIT_REJECTED
    return EXIT_OK


def _reader_gone() -> int:
    """The reader went away (`briefbot export | head`): not an error worth a traceback.
    Point stdout at devnull so the interpreter's final flush cannot fail again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_OK


def _lenient_streams() -> None:
    """A character the terminal's encoding lacks is printed as "?" (an ASCII or Latin-1
    locale): the answer was lost to a UnicodeEncodeError traceback at its first "·". And
    a line typed into the console in another encoding than the locale's is read, its
    stray bytes as lone surrogates (console.answer_plain makes each a "?"): it ended the
    console with a UnicodeDecodeError traceback."""
    for stream, errors in ((sys.stdout, "replace"), (sys.stdin, "surrogateescape")):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors=errors)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _lenient_streams()
    # Evaluation runs in its own temporary store and needs no settings.
    try:
        if args.command == "eval":
            logging.basicConfig(level=logging.WARNING)
            return asyncio.run(cmd_eval(args.gold, args.corpus, args.events))
        if args.command == "eval-t17":
            logging.basicConfig(level=logging.WARNING)
            return cmd_eval_t17(args.directory, args.limit)
    except BrokenPipeError:
        return _reader_gone()
    try:
        settings = load_settings()
        if args.command == "run":
            settings.require_token()
    except SettingsError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings.log_level, _token_secrets(settings))
    runners = {
        "ingest": lambda: asyncio.run(cmd_ingest(settings, args.paths)),
        "export": lambda: asyncio.run(cmd_export(settings)),
        "ask": lambda: asyncio.run(cmd_ask(settings, " ".join(args.message))),
        "console": lambda: asyncio.run(cmd_console(settings)),
        "run": lambda: cmd_run(settings),
    }
    try:
        return runners[args.command]()
    except (StoreUnavailable, StoreBusy) as exc:
        print(f"briefbot: BRIEFBOT_DB: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        if args.command in ("run", "console"):
            return EXIT_OK  # Ctrl-C is how one stops the bot or leaves the console
        # An ingest or export cut short did not do all it was asked: exit 0 said it had
        # (for ingest, "all were added"), with no total and no word.
        print("briefbot: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return _reader_gone()
    except OutputFailed as exc:
        _reader_gone()  # what is left in stdout's buffer cannot be written either
        print(f"briefbot: cannot write the output: {exc}", file=sys.stderr)
        return EXIT_REJECTED


if __name__ == "__main__":
    sys.exit(main())
