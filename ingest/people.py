"""People and organisations named in an article, with the spellings of one person merged.

The same person is written many ways (typos, machine translation, transliteration:
"Shcheglov", "Sheglov", "Schtscheglow"). Two spellings are one person when they sound alike
(a phonetic key that ignores vowels and the usual s/sh/ch/x confusions, compared with
rapidfuzz) and look alike enough, or share a first name. A lone surname joins the full name
it resembles. No list of names is involved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import jellyfish
from rapidfuzz import fuzz

from ingest.places import gazetteer
from store.models import PersonRef

NAME_REST = r"[a-z]+(?:-[A-Z]?[a-z]+|[’'][A-Z][a-z]+)?"  # a name token after its capital
NAME_TOKEN = rf"[A-Z]{NAME_REST}"
# A name token no word character or full stop comes right before. The capital is read first
# and what comes before it checked after (the lookbehind spans the character before and the
# capital): a pattern that starts by reading one of a set of characters lets the regex
# engine pass quickly over the places of a text that hold none (no match changes).
FIRST_NAME_TOKEN = rf"[A-Z](?<![\w.].){NAME_REST}"
FULL_NAME = re.compile(rf"({FIRST_NAME_TOKEN})((?:\s+{NAME_TOKEN}){{1,2}})(?![\w])")
SINGLE = re.compile(rf"({FIRST_NAME_TOKEN})(?!\w|\.\w)")
# Capitalised words that are not parts of personal names: function words, titles, months,
# institutions. General English, no names of any story.
NOT_NAME = {
    *"""
    The A An And Or But Of In On At To From For With By As After Before During Since
    Until Then When While If This That These Those It Its His Her Their Our We They He
    She You I There Here Also Later Earlier Update According Following Among Other Some
    Many Most All Both Each Every No Not Yes Now So Such Still However Meanwhile Despite
    Although Because Monday Tuesday Wednesday Thursday Friday Saturday Sunday January
    February March April May June July August September October November December
    President Prime Minister Deputy Director Head Chief General Governor Mayor Judge
    Justice Senator Spokesman Spokeswoman Spokesperson Minister Interior Foreign Defence
    Defense Justice Federal State National Regional Central Service Office Ministry
    Committee Council Court Agency Department Police Prison Prisons Penitentiary
    Security Human Rights Watch Kremlin Duma Parliament Government Republic Region
    Oblast Krai Union Soviet European Europe United Nations Church University Hospital
    Tuberculosis Colony News Times Post Daily Gazette Gazeta Radio Television Channel
    Telegram Youtube YouTube Facebook Twitter Instagram Video Photo Reporter Source Mr
    Mrs Ms Dr Russian Russia Belarusian Ukrainian American British Western Eastern
    Northern Southern Kremlin Nobel Prize Store Director Associate Asia Director Main
    Operational Directorate Investigative Investigators Attorney Prosecutor Prosecutors
    Supreme Constitutional Special Forces Army Navy Air Force Guard Guards Officer
    Officers Staff Unit River Lake Sea Mountains Street Square Treatment Monitoring
    Punishment Prevention Torture Inhuman Degrading Committee Group Project Network
    Foundation Institute Centre Center Party Movement St Saint Mount Lake Cathedral Church
    District City Municipal County Province Tribunal Commission Bureau Prefecture
    """.split()  # noqa: SIM905
}
TITLES = re.compile(
    r"\b(?:President|Prime Minister|Minister|Director|spokesman|spokeswoman|spokesperson|"
    r"founder|head|chief|Governor|Mayor|Judge|lawyer|deputy|official|activist|researcher)\s+$"
)
ACRONYM_DEF = re.compile(
    r"(?=[A-Z])((?:[A-Z][\w’'-]*\s+){1,5}?(?:Service|Office|Committee|Council|Ministry|Agency|Court|"
    r"Directorate|Commission|Foundation|Bureau|Watch|Party|Guard|Army|Force|Union|Fund|"
    r"Centre|Center|Institute|Organi[sz]ation|Group))\s+\(([A-Z]{2,6})\)"
)
ORGANISATION_LEAD = re.compile(r"^(?:The\s+|[A-Z][\w-]*[’']s\s+)")
LOCATING_WORDS = ("in", "at", "near", "from", "to", "of", "outside")
LONGEST_LOCATING_WORD = max(len(word) for word in LOCATING_WORDS)
LOCATING_BEFORE = re.compile(rf"\b(?:{'|'.join(LOCATING_WORDS)})\s+$")
ABBREVIATION = re.compile(r"[A-Z](?<!\w.)[A-Z]{1,5}\b")  # as FIRST_NAME_TOKEN: \b[A-Z]{2,6}\b
REPEATED_S = re.compile(r"S{2,}")
MALE_SKY_ENDING = re.compile(r"(?:sky|skiy|skii|skyi)$")
DOMAIN_ENDINGS = r"(?:net|org|com|ru|info|media)"
DOMAIN_ENDING = re.compile(rf"\.{DOMAIN_ENDINGS}")
DOMAIN_ORG = re.compile(
    rf"(?=[A-Z])\b([A-Z][\w-]+\.{DOMAIN_ENDINGS})"
    r"(?:\s+\(([^)]{3,40})\))?"
)


@lru_cache(maxsize=4096)
def sound_key(name: str) -> str:
    """A phonetic key tolerant of transliteration: metaphone without a leading vowel, with
    the hissing sounds (s, sh, ch, ts, x) folded together."""
    # w/v and j/y alternate between German-, Polish- and English-style transliterations.
    plain = name.replace("’", "").replace("'", "").lower()
    # German and Polish spellings of the same Russian sounds: Schtscheglow, Szczeglow.
    for written, sound in (("tsch", "ch"), ("sch", "sh"), ("szcz", "shch"), ("sz", "sh")):
        plain = plain.replace(written, sound)
    plain = plain.replace("w", "v").replace("j", "y")
    key = jellyfish.metaphone(plain)
    key = key.replace("X", "S").replace("TS", "S").replace("0", "T")
    key = REPEATED_S.sub("S", key)  # shch, sh, ch all hiss once
    return key[1:] if key[:1] in "AEIOU" and len(key) > 2 else key


def gendered_pair(a: str, b: str) -> bool:
    """Whether two surnames are the male and female forms of one Slavic name (Zhukov and
    Zhukova, Ivanov and Ivanova, Kovalsky and Kovalskaya): relatives, not one person."""
    short, long = sorted((a.casefold(), b.casefold()), key=len)
    if long == short + "a" and short.endswith(("ov", "ev", "in", "yn")):
        return True
    male = MALE_SKY_ENDING.sub("", short)
    return male != short and long == male + "skaya"


# Each sentence's names are compared with every spelling the article has met so far, and
# the article is read more than once: the same pairs come back.
@lru_cache(maxsize=65536)
def similar_surnames(a: str, b: str, *, same_first: bool = False) -> bool:
    """Whether two surnames are spellings of one name."""
    if a.casefold() == b.casefold():
        return True
    if gendered_pair(a, b):
        return False
    written = fuzz.ratio(a.casefold(), b.casefold())
    sounded = fuzz.ratio(sound_key(a), sound_key(b))
    if written >= 88:
        return True
    return sounded >= 85 and (written >= 60 or same_first)


def similar_names(a: str, b: str) -> bool:
    """Whether two names (full or surname only) denote the same person."""
    pa, pb = a.split(), b.split()
    if len(pa) > 1 and len(pb) > 1:
        same_first = fuzz.ratio(pa[0].casefold(), pb[0].casefold()) >= 75
        return same_first and similar_surnames(pa[-1], pb[-1], same_first=True)
    return similar_surnames(pa[-1], pb[-1])


@dataclass
class Person:
    name: str  # the first full spelling seen
    kind: str = "person"
    spellings: set[str] = field(default_factory=set)

    @property
    def ref(self) -> PersonRef:
        return PersonRef(self.name, self.kind, tuple(sorted(self.spellings - {self.name})))


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    person: Person


def _is_place(token: str) -> bool:
    """A place name that is not also a first name ("Vladimir" stays a name candidate)."""
    subject = gazetteer().by_form.get(token)
    return subject is not None and not subject.ambiguous


@dataclass(frozen=True)
class NameCandidates:
    """What a sentence may name, read off its text alone; which people those are depends
    on the article read so far (`PeopleIndex.scan`)."""

    acronyms: tuple[tuple[str, str, int, int], ...]  # (name, acronym, start, end)
    domains: tuple[tuple[str, str | None, int, int], ...]  # (site, its description, ...)
    full_names: tuple[tuple[str, int, int], ...]
    single_words: tuple[tuple[str, int, int], ...]  # possible surnames alone
    abbreviations: tuple[tuple[str, int, int], ...]


# An article's sentences are scanned for names more than once (to find its protagonist,
# then for each draft and for what it leaves to the next sentence): the text is read once.
@lru_cache(maxsize=1024)
def name_candidates(text: str) -> NameCandidates:
    """The names `text` may hold, in the order `PeopleIndex.scan` takes them."""
    acronyms, domains, full_names, singles, abbreviations = [], [], [], [], []
    taken: list[tuple[int, int]] = []
    # Each kind of name is looked for only where the text has what it cannot do without:
    # the bracket of an acronym's definition, a web domain's ending.
    definitions = ACRONYM_DEF.finditer(text) if "(" in text else ()
    for match in definitions:
        name = ORGANISATION_LEAD.sub("", match.group(1).strip())
        acronyms.append((name, match.group(2), match.start(1), match.end(2) + 1))
        taken.append((match.start(), match.end()))
    for match in DOMAIN_ORG.finditer(text) if DOMAIN_ENDING.search(text) else ():
        described = match.group(2) if match.group(2) and match.group(2)[0].isupper() else None
        domains.append((match.group(1), described, match.start(), match.end(1)))
        taken.append((match.start(), match.end()))
    for match in FULL_NAME.finditer(text):
        tokens = match.group().split()
        # A town's name first, then a surname, outside a place phrase: a first name
        # ("Artyom Zhukov", "Artyom" also being a town).
        located = _located_before(text, match.start())
        first_name = (
            not located and _is_place(tokens[0]) and not any(_is_place(t) for t in tokens[1:])
        )
        if any(
            t in NOT_NAME or (_is_place(t) and not (first_name and i == 0))
            for i, t in enumerate(tokens)
        ):
            tokens = _trim(tokens)
            if len(tokens) < 2:
                continue
        if any(s < match.end() and match.start() < e for s, e in taken):
            continue
        name = " ".join(tokens)
        start = match.start() + match.group().index(tokens[0])
        full_names.append((name, start, start + len(name)))
        taken.append((match.start(), match.end()))
    for match in SINGLE.finditer(text):
        token = match.group(1)
        if token in NOT_NAME or _is_place(token):
            continue
        if any(s <= match.start() < e for s, e in taken):
            continue
        singles.append((token, match.start(), match.end()))
    for abbreviation in ABBREVIATION.finditer(text):
        if not any(s <= abbreviation.start() < e for s, e in taken):
            abbreviations.append((abbreviation.group(), abbreviation.start(), abbreviation.end()))
    return NameCandidates(
        tuple(acronyms), tuple(domains), tuple(full_names), tuple(singles), tuple(abbreviations)
    )


def _located_before(text: str, at: int) -> bool:
    """Whether `text[:at]` ends in a locating preposition and a space (LOCATING_BEFORE),
    read near `at` only: the preposition ends where the spaces before `at` start."""
    word_end = at
    while word_end > 0 and text[word_end - 1].isspace():
        word_end -= 1
    longest = LONGEST_LOCATING_WORD
    return LOCATING_BEFORE.search(text, max(0, word_end - longest), at) is not None


def _trim(tokens: list[str]) -> list[str]:
    """The longest run of name-like tokens ("President Vladimir Putin" -> two tokens)."""
    best: list[str] = []
    run: list[str] = []
    for token in tokens:
        if token in NOT_NAME or _is_place(token):
            run = []
        else:
            run.append(token)
            if len(run) > len(best):
                best = list(run)
    return best


class PeopleIndex:
    """The people and organisations one article names, spellings merged as it goes."""

    def __init__(self) -> None:
        self.people: list[Person] = []
        # Who a name or a lone surname is, while no one is added and no spelling learnt:
        # an article's sentences are scanned more than once and mostly meet known names.
        self._known: dict[tuple[str, str], Person | None] = {}
        self._version = 0  # counts the changes: people added, spellings learnt
        # The last scan that changed nothing, and the version it left: until the next change,
        # scanning its text again would find just the same (a sentence is scanned for its
        # drafts, then again for what it leaves to the next one).
        self._last_scan: tuple[str, int, list[Mention]] | None = None

    def _changed(self) -> None:
        self._version += 1
        self._known.clear()

    def _learn(self, person: Person, spelling: str) -> None:
        if spelling not in person.spellings:
            person.spellings.add(spelling)
            self._changed()

    def _find(self, name: str, kind: str) -> Person | None:
        key = (kind, name)
        if key not in self._known:
            self._known[key] = self._compare(name, kind)
        return self._known[key]

    def _compare(self, name: str, kind: str) -> Person | None:
        for person in self.people:
            if person.kind != kind:
                continue
            spellings = person.spellings | {person.name}
            if kind == "organisation":
                if any(fuzz.ratio(name.casefold(), s.casefold()) >= 90 for s in spellings):
                    return person
            elif any(similar_names(name, s) for s in spellings):
                return person
        return None

    def add(self, name: str, kind: str = "person") -> Person:
        person = self._find(name, kind)
        if person is None:
            person = Person(name, kind, {name})
            self.people.append(person)
            self._changed()
        self._learn(person, name)
        return person

    def scan(self, text: str) -> list[Mention]:
        """Find names in `text` (a sentence), adding new people; returns the mentions."""
        if self._last_scan is not None and self._last_scan[:2] == (text, self._version):
            return list(self._last_scan[2])
        version = self._version
        mentions = self._scan(text)
        self._last_scan = (text, version, mentions) if self._version == version else None
        return list(mentions)

    def _scan(self, text: str) -> list[Mention]:
        found = name_candidates(text)
        mentions: list[Mention] = []
        for name, acronym, start, end in found.acronyms:
            org = self._by_acronym(acronym) or self.add(name, "organisation")
            self._learn(org, acronym)
            mentions.append(Mention(start, end, org))
        for site, described, start, end in found.domains:
            org = self.add(site, "organisation")
            if described is not None:
                self._learn(org, described)
            mentions.append(Mention(start, end, org))
        for name, start, end in found.full_names:
            mentions.append(Mention(start, end, self.add(name)))
        for token, start, end in found.single_words:
            person = self._surname_of(token)
            if person is not None:
                self._learn(person, token)
                mentions.append(Mention(start, end, person))
        for abbreviation, start, end in found.abbreviations:
            for person in self.people:
                if person.kind == "organisation" and abbreviation in person.spellings:
                    mentions.append(Mention(start, end, person))
        return sorted(mentions, key=lambda m: m.start)

    def _by_acronym(self, acronym: str) -> Person | None:
        for person in self.people:
            if person.kind == "organisation" and acronym in person.spellings:
                return person
        return None

    def _surname_of(self, token: str) -> Person | None:
        key = ("surname", token)
        if key not in self._known:
            self._known[key] = self._person_with_surname(token)
        return self._known[key]

    def _person_with_surname(self, token: str) -> Person | None:
        for person in self.people:
            if person.kind != "person" or len(person.name.split()) < 2:
                continue
            surnames = {s.split()[-1] for s in person.spellings | {person.name}}
            if any(similar_surnames(token, s) for s in surnames):
                return person
        return None


def _is_spelling_of(spellings: set[str], pool: set[str]) -> bool:
    return any(similar_names(a, b) for a in spellings for b in pool if len(a.split()) > 1) or any(
        a.casefold() == b.casefold() for a in spellings for b in pool
    )


class KnownPeople:
    """The people already known as (name, aliases), first match wins in their order, with
    the spellings indexed: a ref is compared in full only with people who share a spelling
    (case aside) or have a surname close to one of its own, since `similar_names` needs
    one or the other. Comparing every ref with every stored person made each merge cost
    more than the last."""

    def __init__(self, known: list[tuple[str, tuple[str, ...]]]) -> None:
        self.aliases: dict[str, tuple[str, ...]] = {}
        self.position: dict[str, int] = {}
        self.by_casefold: dict[str, set[str]] = {}
        self.by_surname: dict[str, set[str]] = {}
        self.surnames: list[str] = []  # in the order first seen, for `_close_surnames`
        self.close: dict[str, tuple[int, set[str]]] = {}  # surname -> (checked, close ones)
        # After `add`, the order is the store's: by name (no re-sort per person added).
        self.by_name = False
        for name, aliases in known:
            if name not in self.aliases:
                self.position[name] = len(self.position)
                self._index(name, aliases)

    def _index(self, name: str, aliases: tuple[str, ...]) -> None:
        self.aliases[name] = aliases
        for spelling in (name, *aliases):
            self.by_casefold.setdefault(spelling.casefold(), set()).add(name)
            words = spelling.split()
            if words:
                if words[-1] not in self.by_surname:
                    self.surnames.append(words[-1])
                self.by_surname.setdefault(words[-1], set()).add(name)

    def add(self, name: str, aliases: set[str]) -> None:
        """A person stored (or given more aliases) since: the store lists people by name
        and each one's aliases sorted, and so does this."""
        merged = tuple(sorted(set(self.aliases.get(name, ())) | aliases))
        if name not in self.position:
            self.by_name = True
            self.position[name] = len(self.position)
        self._index(name, merged)

    def _close_surnames(self, surname: str) -> set[str]:
        """Known surnames `similar_surnames` may accept for this one (with a shared first
        name, the most lenient case), checked once each."""
        checked, close = self.close.get(surname, (0, set()))
        for other in self.surnames[checked:]:
            if similar_surnames(surname, other, same_first=True):
                close.add(other)
        self.close[surname] = (len(self.surnames), close)
        return close

    def match(self, ref: PersonRef) -> str | None:
        """The first known person the ref is a spelling of."""
        spellings = {ref.name, *ref.aliases}
        names: set[str] = set()
        for spelling in spellings:
            names |= self.by_casefold.get(spelling.casefold(), set())
            words = spelling.split()
            if len(words) > 1:
                for surname in self._close_surnames(words[-1]):
                    names |= self.by_surname[surname]
        for name in sorted(names, key=None if self.by_name else self.position.__getitem__):
            if _is_spelling_of(spellings, {name, *self.aliases[name]}):
                return name
        return None

    def canonical(self, refs: list[PersonRef]) -> list[PersonRef]:
        result = []
        for ref in refs:
            match = self.match(ref)
            if match is not None and match != ref.name:
                result.append(PersonRef(match, ref.kind, tuple(sorted({ref.name, *ref.aliases}))))
            else:
                result.append(ref)
        return result
