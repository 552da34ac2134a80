"""Reading one article: bytes in, text and front-matter metadata out, or a clear rejection.

The text kept is the page text exactly as given (only line endings normalised, and control
characters and the invisible characters that split a word dropped), because citations are
character offsets into it.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path, PurePath
from urllib.parse import urlsplit, urlunsplit

import charset_normalizer
import yaml
from charset_normalizer import CharsetMatch

from ingest.errors import ArticleRejected
from ingest.html import html_to_text, looks_like_html

DEFAULT_MAX_BYTES = 2_000_000
HTML_SUFFIXES = {".html", ".htm"}  # read as HTML whatever they start with
FRONT_MATTER_KEYS = {"outlet", "title", "url", "published"}
# Signatures of formats that are never articles, even when renamed to .txt.
BINARY_MAGIC = (
    b"PK\x03\x04",
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\x7fELF",
    b"MZ",
    b"OggS",
    b"ID3",
    b"RIFF",
)
# UTF-32's marks first: UTF-32-LE's begins with UTF-16-LE's.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Whole days only, day before month when the text is ambiguous (05.10.2021 is 5 October).
DAY_PARSING = {
    "STRICT_PARSING": True,
    "REQUIRE_PARTS": ["day", "month", "year"],
    "DATE_ORDER": "DMY",
    "PREFER_LOCALE_DATE_ORDER": False,
}
# The one-byte code pages of Windows (and KOI8, Latin-1), tried before any other encoding:
# left to itself the detector read a German line with one "ü" as Big5 ("Z僡ich"), a
# multi-byte encoding whose characters swallowed the ASCII letter after it. (Mac Roman is
# left out: it read “quotes” saved by Windows as "ìquotesî".) The most used come first:
# Windows-1252 (Western Europe and the Americas), then the Cyrillic and Central European
# ones; where the letters cannot tell code pages apart, that order does (_implausibility).
ONE_BYTE_ENCODINGS = [
    "cp1252", "cp1251", "cp1250", "koi8_r", "cp1253", "cp1254", "cp1257", "iso8859_15",
    "latin_1",
]  # fmt: skip
# The letters beyond ASCII of languages written in those code pages (general data), the
# most used first. Where several code pages read the bytes equally well, the detector took
# the first it tried, Windows-1250, and read French "brûlé à Genève" as "brűlé ŕ Genčve"
# and Spanish "señora" as "seńora": the reading whose letters one language writes together
# is the right one, and of two that each fit a language, the one written with that
# language's common letters ("fermée à la" French, not "fermée ŕ la" in Slovak's rarest).
LETTERS_BY_USE = (
    "éàèêçâùûîôœëïüæÿ",  # French
    "óíáéñúü",  # Spanish
    "ãçôâêéóúíáàõ",  # Portuguese
    "èàùòéìóíúî",  # Italian
    "èàéóíòçúï",  # Catalan
    "üäöß",  # German
    "ëéïöüáäóíú",  # Dutch, Afrikaans
    "äåöøæé",  # Danish, Norwegian, Swedish, Finnish
    "ðáíóþúæéýö",  # Icelandic, Faroese
    "éáöőóíüúű",  # Hungarian
    "łęóąśżćńź",  # Polish
    "íáéěýčřžšůúňťďó",  # Czech
    "áíéýžčšúťľňôďäóĺŕ",  # Slovak
    "čšžćđ",  # Croatian, Bosnian, Serbian, Slovenian
    "ăîșțâşţ",  # Romanian
    "ıüşçğöâî",  # Turkish
    "ëç",  # Albanian
    "äõüöšž",  # Estonian
    "āīēšūņļķčžģōŗ",  # Latvian
    "ėšįųūžčąę",  # Lithuanian
    "оеаинтсрвлкмдпуяызьбгчйхжшюцщэфъё",  # Russian
    "оанивретсілкдумпязьгбчхжцйшюєщфїґ",  # Ukrainian
    "аоныіерслткдвмчпуязбгьцйхжшўюэфё",  # Belarusian
    "аоиентрсвлкдпмзъябгучжйхшщцюфь",  # Bulgarian
    "аиоенрстјвдкулмпзгбчшћжцхњљђфџ",  # Serbian
    "аоеинтрсвдклпмјзугбчшцжњхќљѓфѕџ",  # Macedonian
    "αοιετνσςπκρμλυηίόέάδγθωχύφήβζώξψϊΐϋΰ",  # Greek
)
ALPHABETS = tuple(frozenset(letters) for letters in LETTERS_BY_USE)
# Each letter's place in its language's list, from 0 (the most used) towards 1.
LETTER_RANKS = tuple(
    {letter: at / len(letters) for at, letter in enumerate(letters)} for letters in LETTERS_BY_USE
)
SCORED_CHARS = 100_000  # of a text, enough to tell its code page
# "ª" and "º" mark ordinals after a number ("1º", "2ª"): symbols of the number, no letters
# of a word, though Unicode files them as letters.
ORDINAL_INDICATORS = frozenset("\u00aa\u00ba")
NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Characters below space other than line breaks, tabs and form feeds: text has few of them.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
# The word splitters: soft hyphen, zero-width space, word joiner, zero-width no-break space.
# (The zero-width joiners that shape emoji and scripts stay.)
SPLITTERS = "\u00ad\u200b\u2060\ufeff"
# What any text drops: the word splitters, and the controls other than tab, line break and
# form feed. A few pass the binary check in a long file, and they reached readers: the
# terminal of `briefbot console` obeys an escape sequence ("\x1b]0;...\x07" renames its
# window, "\x9b2J" clears it on some). A pattern, not a str.translate table, which looks up
# every character in Python: 0.3 ms an article of 800 words.
INVISIBLE = re.compile(f"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f{SPLITTERS}]")
# What a one-line name (title, outlet) drops besides line breaks: every control character.
NAME_INVISIBLE = re.compile(f"[\x00-\x1f\x7f-\x9f{SPLITTERS}]")
# What a file name shows as "?": control characters (an escape sequence the terminal would
# obey, a line break that writes a line of its own into `briefbot ingest`'s report) and the
# direction overrides that make "txt.exe" look like "exe.txt".
NAME_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A loader that reads every value as text (libyaml's when PyYAML was built with it): YAML's
# implicit types would make `outlet: NO` the word "False", and a malformed timestamp or a
# `!!int` tag raise errors of Python's own instead of a rejection.
TEXT_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
# What YAML means by "no value", read as text.
NO_VALUE = {"", "~", "null"}
URL_DATE = re.compile(r"/(20\d\d|19\d\d)[/-](\d\d?)[/-](\d\d?)(?:/|-|$)")
# Longest title and outlet name kept. Headlines run to about 150 characters; a longer
# "title" is a paste gone wrong or a hostile page, and every message naming the article
# (the /addstory preview, /sources) would grow with it past Telegram's limit.
TITLE_CHARS = 300
OUTLET_CHARS = 100


def clip(text: str, limit: int) -> str:
    """`text` if it has at most `limit` characters, else cut to fit with "…" (at a word
    boundary when one is near, so the cut does not read as a typo)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def without_credentials(url: str) -> str:
    """The URL without a user name or password: `https://known.outlet@other.host/` shows a
    reader one site and opens another, and a password must never reach the briefing."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def url_problem(url: str) -> str | None:
    """What is wrong with a URL given as metadata, or None."""
    if not re.match(r"https?://[^\s/]+", url):
        return "must start with http:// or https://"
    if re.search(r"\s", url):
        return "must be one address, without spaces"
    return None


@dataclass(frozen=True)
class Article:
    text: str
    outlet: str | None = None
    title: str | None = None
    url: str | None = None
    published: str | None = None  # ISO day as given (front matter) or found in the URL
    file: str | None = None

    def __post_init__(self) -> None:
        # Here, so that every way an article is read (front matter, metadata lines, HTML
        # <title>, a fetched page) stores names of a sane length, on one line: a title
        # holding line breaks could draw a line of its own in /sources, such as a made-up
        # source under it.
        for name, limit in (("title", TITLE_CHARS), ("outlet", OUTLET_CHARS)):
            value = getattr(self, name)
            if value is not None:
                # Control characters and invisible word splitters are no part of a name: a
                # terminal escape reached `briefbot console` raw, and an outlet of
                # zero-width spaces showed every citation under a blank name.
                value = " ".join(NAME_INVISIBLE.sub("", " ".join(value.split())).split())
                object.__setattr__(self, name, clip(value, limit) if value else None)
        if self.url is not None:
            object.__setattr__(self, "url", without_credentials(self.url))

    @cached_property  # asked for again when the article is checked and stored
    def content_hash(self) -> str:
        """Same text (ignoring case and spacing) means the same article."""
        canonical = " ".join(self.text.casefold().split())
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def decode(data: bytes) -> str:
    """Bytes to text: by its byte-order mark, UTF-8 when valid, otherwise the detected
    encoding; binary is refused."""
    if not data.strip():
        raise ArticleRejected("empty file")
    text = _by_byte_order_mark(data)
    if text is None:
        text = _without_byte_order_mark(data)
    controls = len(CONTROL_CHARACTER.findall(text, 0, 8192))
    if controls > 0.01 * min(len(text), 8192):
        raise ArticleRejected("binary file, not text")
    return normalise(text)


def normalise(text: str) -> str:
    """Line endings as `\n`, no control characters but tabs and form feeds (INVISIBLE), and
    no soft hyphens or zero-width spaces: invisible to a reader, they cut words in two, so
    "fac\u00adtory" was never found by /search factory and "Kras\u00adnodar" was no place."""
    return INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _by_byte_order_mark(data: bytes) -> str | None:
    """Text that says it is UTF-16 or UTF-32 (Windows editors save "Unicode" so); None when
    it does not say. Checked before the NUL test, since such text is full of NUL bytes."""
    for mark, codec in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return data[len(mark) :].decode(codec)
            except UnicodeDecodeError:
                raise ArticleRejected(f"not valid {codec.upper()} text") from None
    return None


def _without_byte_order_mark(data: bytes) -> str:
    if data.startswith(BINARY_MAGIC) or b"\x00" in data[:8192]:
        raise ArticleRejected("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    matches = charset_normalizer.from_bytes(data, cp_isolation=ONE_BYTE_ENCODINGS)
    if matches:
        # Of the readings as clean as the best, the first of equals (the detector's order).
        return str(min(_least_messy(matches), key=_implausibility))
    # None of them reads it without mess: a multi-byte encoding (Shift JIS, GB18030...).
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise ArticleRejected("binary file or unknown text encoding")
    return str(best)


def _least_messy(matches: charset_normalizer.CharsetMatches) -> list[CharsetMatch]:
    """The detector's readings that are as clean as its best one."""
    least = min(m.chaos for m in matches)
    return [m for m in matches if m.chaos == least]


def _implausibility(match: CharsetMatch) -> tuple[int, int, float, int]:
    """How unlikely a reading of the bytes is, as a sort key (the least first):
    1. symbols glued to letters ("£odzi", "poniedzia³ek": Polish read as Windows-1252), and
       letters of another script glued to Latin ones ("Peсa": Cyrillic с in a Latin word);
    2. the text's distinct letters beyond ASCII that the one language fitting them best
       lacks;
    3. how rarely that language uses the rarest of them (its LETTER_RANKS);
    4. when the text has at most one letter beyond ASCII, how rarely its code pages are
       used. One letter fits some language in every code page (ñ Spanish and ń Polish, Ł
       Polish where Windows-1252 has £), so it tells little; the text is then mostly
       ASCII, most likely English with a name or a price in it, and the code page most
       used (the order of ONE_BYTE_ENCODINGS) is the likeliest. Left to the detector's
       order, "£5" read "Ł5" and "niño" "nińo"."""
    sample = str(match)[:SCORED_CHARS]
    glued = 0
    letters: set[str] = set()
    for found in NON_ASCII.finditer(sample):
        char, at = found.group(), found.start()
        neighbours = sample[max(at - 1, 0) : at] + sample[at + 1 : at + 2]
        if char.isalpha() and char not in ORDINAL_INDICATORS:
            # "İ".lower() is "i" and a combining dot: neither is a letter beyond ASCII.
            letters.update(c for c in char.lower() if c.isalpha() and not c.isascii())
            if any(c.isascii() and c.isalpha() for c in neighbours):
                glued += not unicodedata.name(char, "").startswith("LATIN")
        elif unicodedata.category(char)[0] == "S" or unicodedata.category(char) == "No":
            glued += any(c.isalpha() for c in neighbours)
    if not letters:
        foreign, rarity = 0, 0.0
    else:
        foreign, rarity = min(
            (len(letters - alphabet), _rarest(letters & alphabet, ranks))
            for alphabet, ranks in zip(ALPHABETS, LETTER_RANKS, strict=True)
        )
    prevalence = len(ONE_BYTE_ENCODINGS)  # no say when the letters tell the language
    if len(letters) <= 1:
        # The detector reports a reading once, with every code page that gives it.
        prevalence = min(
            (ONE_BYTE_ENCODINGS.index(c) for c in match.could_be_from_charset
             if c in ONE_BYTE_ENCODINGS),
            default=prevalence,
        )  # fmt: skip
    return glued, foreign, rarity, prevalence


def _rarest(letters: set[str], ranks: dict[str, float]) -> float:
    """The rank of the least used of `letters` (1 with none): what sets two readings apart
    is the letters they differ in, and the rarer of those weighs."""
    return max((ranks[letter] for letter in letters), default=1.0)


def parse_day(text: str) -> str | None:
    """A calendar day written the way people write one in metadata (`2021-10-05`,
    `5 October 2021`, `Oct 5, 2021`, `05.10.2021`), as ISO; None for anything else.
    Relative words (`yesterday`) are refused: metadata must not depend on today's date."""
    text = text.strip()
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        pass
    if re.match(r"\d{4}-\d\d?-\d\d?\b", text):
        return None  # ISO's order but no such day: 2021-13-01 is not 13 January
    if not re.search(r"\b\d{4}\b", text) or len(text) > 60:
        return None
    import dateparser  # imported here: slow to load, and most metadata is already ISO

    parsed = dateparser.parse(text, languages=["en"], settings=DAY_PARSING)
    return parsed.date().isoformat() if parsed else None


def in_the_future(day: str) -> bool:
    """Whether an ISO day is after tomorrow (a day's grace for time zones): a publication
    date there is a typo (2201 for 2021), and would date the article's "last week" there."""
    return date.fromisoformat(day) > date.today() + timedelta(days=1)


def _iso_day(value: str, field: str) -> str:
    day = parse_day(value)
    if day is None:
        raise ArticleRejected(f"malformed front matter: {field} must be a date like 2021-10-05")
    if in_the_future(day):
        raise ArticleRejected(f"malformed front matter: {field} {day} is in the future")
    return day


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Separate a leading `---` YAML block from the body; validates the known keys."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---", 3)  # from 3: an empty block closes on the next line
    if end == -1:
        raise ArticleRejected("malformed front matter: no closing '---' line")
    block, body = text[4:end], text[end + 4 :]
    body = body[1:] if body.startswith("\n") else body
    try:
        meta = yaml.load(block, Loader=TEXT_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        raise ArticleRejected(f"malformed front matter: not valid YAML{where}") from None
    if meta is None:
        return {}, body
    if not isinstance(meta, dict):
        raise ArticleRejected("malformed front matter: expected 'key: value' lines")
    fields: dict[str, str] = {}
    for key, value in meta.items():
        if key not in FRONT_MATTER_KEYS:
            continue
        if not isinstance(value, str):
            raise ArticleRejected(f"malformed front matter: {key} must be text")
        value = value.strip()
        if value.lower() in NO_VALUE:
            continue
        fields[key] = _iso_day(value, key) if key == "published" else value
    problem = url_problem(fields["url"]) if "url" in fields else None
    if problem:
        raise ArticleRejected(f"malformed front matter: url {problem}")
    return fields, body


def date_from_url(url: str | None) -> str | None:
    """A publication date written into the URL path (/2021/10/05/), if any."""
    match = URL_DATE.search(url or "")
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None


def parse_article(
    data: bytes, file_name: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Article:
    """Turn raw bytes (plain text or HTML, optional front matter) into an Article."""
    if len(data) > max_bytes:
        raise ArticleRejected(f"file too large ({len(data):,} bytes; the limit is {max_bytes:,})")
    fields, body = split_front_matter(decode(data))
    article = Article(text=body, file=file_name, **fields)
    if looks_like_html(body) or PurePath(file_name or "").suffix.lower() in HTML_SUFFIXES:
        page = html_to_text(body, url=article.url)
        article = replace(
            article,
            text=page.text,
            title=article.title or page.title,
            outlet=article.outlet or page.outlet,
            url=article.url or page.url,
            published=article.published or _safe_day(page.published),
        )
    if not article.text.strip():
        raise ArticleRejected("no article text")
    return article


def _safe_day(value: str | None) -> str | None:
    try:
        return date.fromisoformat(value[:10]).isoformat() if value else None
    except ValueError:
        return None


def read_article(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Article:
    """Read and parse one file; unreadable or oversized files are rejected, not raised."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ArticleRejected(f"file too large ({size:,} bytes; the limit is {max_bytes:,})")
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleRejected(f"cannot read file: {exc.strerror or exc}") from None
    return parse_article(data, printable_name(path.name), max_bytes=max_bytes)


def printable_name(name: str) -> str:
    """A file name as it can be stored and shown: lone surrogates (bytes the file system's
    encoding could not decode, which the store cannot take) and NAME_CONTROL each as "?"."""
    return NAME_CONTROL.sub("?", name.encode("utf-8", "replace").decode("utf-8"))
