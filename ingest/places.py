"""Places in text: Russia's federal subjects (any common English form) and prison facilities.

The gazetteer (ingest/data/gazetteer.yaml) is general data: every federal subject with its
Oblast/Krai/Republic/region forms, Russian adjectival forms, transliterations and capitals,
and the facility types of the prison system. A city that is a region's capital stands for
the region, because that is how news writes ("a prison in Saratov").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

import yaml
from rapidfuzz import fuzz, process

from ingest.world import (
    CAPITALISED_BEFORE,
    NEXT_CAPITALISED,
    WorldPlace,
    article_countries,
    find_world_places,
    home_region,
    world_place,
)
from store.models import PlaceRef

DESIGNATORS = {
    "oblast": ("Oblast", "oblast", "Region", "region", "Province", "province"),
    "krai": ("Krai", "krai", "Kray", "kray", "Territory", "territory", "Region", "region"),
    "republic": ("Republic", "republic"),
    "autonomous": ("Autonomous Okrug", "Autonomous District", "Okrug", "okrug", "region"),
    "city": (),
}
# Words after a bare name that make it part of an organisation's or outlet's name.
PLACE_WORDS = (
    r"(?:Oblast|Krai|Kray|Region|Province|Territory|Republic|Okrug|City|Regional|Tuberculosis"
    r"|Prison|Penal|Hospital|Colony|Detention|Pre-trial|Pretrial|Jail|Airport|District)"
)
DESIGNATED = re.compile(
    r"\b(?:Oblast|Krai|Kray|Region|Province|Territory|Republic|Okrug|District)\b", re.I
)
PLURAL_DESIGNATOR = re.compile(
    r"^(?:(?:,|,? and|,? or) (?:the )?[A-Z][\w-]+)* "
    r"(?:regions|oblasts|krais|territories|republics)\b"
)
PLACE_PREPOSITION = re.compile(
    r"(?:\b(?:in|to|from|near|at|outside|across|around|city of|town of)|,|\band)\s+(?:the\s+)?$"
)
DIRECTIONAL = re.compile(
    r"(?:(?:north|south|east|west)(?:east|west)?(?:ern)?\s+of|(?:kilometers|kilometres|km|miles)"
    r"\s+(?:from|of))\s+$",
    re.I,
)
WORD_RUN = re.compile(r"[\w-]+")
WORD_CHAR = re.compile(r"[\w-]")
PLACE_WORD = re.compile(PLACE_WORDS)
LISTED_BEFORE = re.compile(r"(?:,|and)\s+$")
REGION_ANAPHOR = re.compile(r"\b(?:the|this|that) (?:same )?(?:region|oblast|krai|republic)\b")


@dataclass(frozen=True)
class Subject:
    name: str
    short: str
    forms: tuple[str, ...]  # every spelling that names it, longest first
    ambiguous: bool

    @cached_property  # a region's ref is made for each mention of it
    def ref(self) -> PlaceRef:
        aliases = tuple(f for f in self.forms if f != self.name)
        return PlaceRef(self.name, "region", None, aliases)


@dataclass(frozen=True)
class FacilityType:
    label: str
    pattern: re.Pattern[str]
    code: str


@dataclass(frozen=True)
class PlaceMention:
    start: int
    end: int
    ref: PlaceRef
    region: str | None  # canonical region name (itself for a region)


def _forms(entry: dict) -> list[str]:
    short, kind = entry["short"], entry["type"]
    forms = {
        entry["name"],
        short,
        *entry.get("aliases", []),
        *entry.get("capitals", []),
        *entry.get("cities", []),
    }
    for designator in DESIGNATORS[kind]:
        if kind == "republic":
            forms.update({f"Republic of {short}", f"{short} Republic"})
        else:
            forms.add(f"{short} {designator}")
    for adj in entry.get("adj", []):
        forms.add(adj)
        forms.update(f"{adj} {d}" for d in DESIGNATORS[kind][:4])
    return sorted(forms, key=lambda f: (-len(f), f))


class Gazetteer:
    def __init__(self, data: dict) -> None:
        self.subjects = [
            Subject(e["name"], e["short"], tuple(_forms(e)), bool(e.get("ambiguous")))
            for e in data["subjects"]
        ]
        self.by_form: dict[str, Subject] = {}
        self.by_casefold: dict[str, Subject] = {}
        for subject in self.subjects:
            for form in subject.forms:
                self.by_form.setdefault(form, subject)
                self.by_casefold.setdefault(form.casefold(), subject)
        # The forms by the run of word characters they start with, longest first: a text is
        # scanned run by run and only the forms of that run are tried, instead of one
        # alternation of every form tried at every position.
        self.by_lead: dict[str, list[str]] = {}
        for form in sorted(self.by_form, key=len, reverse=True):
            lead = WORD_RUN.match(form)
            if lead is None:
                raise ValueError(f"gazetteer form {form!r} does not start with a letter")
            self.by_lead.setdefault(lead.group(), []).append(form)
        # Only runs starting with a letter some form starts with can start a form: a text is
        # cut into just those runs (most of its words start in lower case, no form does).
        initials = "".join(sorted({lead[0] for lead in self.by_lead}))
        # (The letter is read first and what comes before it checked after, looking back over
        # both: a pattern that starts by reading one of a set of characters lets the regex
        # engine pass quickly over the places of a text that hold none.)
        self.lead_runs = re.compile(rf"[{re.escape(initials)}](?<![\w-].)[\w-]*")
        self.facilities = [
            FacilityType(f["label"], re.compile(f["pattern"]), f["code"])
            for f in data["facilities"]
        ]
        cues = dict.fromkeys(f"(?:{f['cue']})" for f in data["facilities"])
        self.facility_cue = re.compile("|".join(cues))

    def matches(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, form) of every form in `text` standing alone (no word character or
        hyphen on either side), leftmost and then longest first, not overlapping."""
        end = 0
        for run in self.lead_runs.finditer(text):
            if run.start() < end:
                continue
            for form in self.by_lead.get(run.group(), ()):
                stop = run.start() + len(form)
                if text.startswith(form, run.start()) and not WORD_CHAR.match(text, stop):
                    end = stop
                    yield run.start(), stop, form
                    break

    def subject(self, name: str) -> Subject | None:
        """The federal subject a name refers to: exact form, then case-insensitive, then fuzzy
        (typos, transliterations); None when nothing is close."""
        if name in self.by_form:
            return self.by_form[name]
        key = " ".join(name.casefold().split())
        if key in self.by_casefold:
            return self.by_casefold[key]
        best = process.extractOne(key, list(self.by_casefold), scorer=fuzz.ratio, score_cutoff=85)
        return self.by_casefold[best[0]] if best else None


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    raw = resources.files("ingest.data").joinpath("gazetteer.yaml").read_text("utf-8")
    return Gazetteer(yaml.safe_load(raw))


def _accept(text: str, start: int, end: int, form: str, subject: Subject) -> bool:
    """Whether a gazetteer match names a place here, not a person, an outlet or a landmark."""
    before, after = text[max(0, start - 40) : start], text[end : end + 80]
    if DIRECTIONAL.search(before):
        return False  # "730 kilometers southeast of Moscow" locates, it is not where
    bare = not DESIGNATED.search(form)
    next_word = NEXT_CAPITALISED.match(after)
    if (
        bare
        and next_word
        and not PLACE_WORD.fullmatch(next_word.group(1))
        and not PLURAL_DESIGNATOR.match(after)
    ):
        return False  # "Kazan Herald", "Vladimir Petrov": part of another name
    if subject.ambiguous and bare:
        if CAPITALISED_BEFORE.search(before) and not LISTED_BEFORE.search(before):
            return False  # "President Vladimir ..."
        return bool(PLURAL_DESIGNATOR.match(after) or PLACE_PREPOSITION.search(before))
    return True


def find_regions(text: str) -> list[PlaceMention]:
    """Federal subjects named in `text`, in order, with their offsets."""
    return list(_regions(text))


def names_a_region(text: str) -> bool:
    """Whether `text` names a federal subject (read only up to the first one)."""
    return next(_regions(text), None) is not None


def _regions(text: str) -> Iterator[PlaceMention]:
    gaz = gazetteer()
    for start, end, form in gaz.matches(text):
        subject = gaz.by_form[form]
        if _accept(text, start, end, form, subject):
            yield PlaceMention(start, end, subject.ref, subject.name)


def find_facilities(text: str, region: str | None) -> list[PlaceMention]:
    """Numbered prison facilities in `text`, placed in `region` when it is known."""
    found: list[PlaceMention] = []
    taken: list[tuple[int, int]] = []
    if not gazetteer().facility_cue.search(text):
        return found  # every facility is named with a marker and its number
    for facility in gazetteer().facilities:
        for match in facility.pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            taken.append((match.start(), match.end()))
            label = facility.label.format(n=match.group("n"))
            code = facility.code.format(n=match.group("n"))
            name = f"{label}, {region}" if region else label
            aliases = tuple(dict.fromkeys((label, code, match.group())))
            ref = PlaceRef(name, "facility", region, aliases)
            found.append(PlaceMention(match.start(), match.end(), ref, region))
    return sorted(found, key=lambda m: m.start)


def find_places(text: str, context_region: str | None = None) -> list[PlaceMention]:
    """Regions and facilities in `text`. A facility takes the region named nearest to it in
    the text, else `context_region`; "the region" refers back to `context_region`."""
    return list(_find_places(text, context_region, article_countries()))


# Extraction asks about the same sentence several times (the story's region, the sentence's
# own drafts, what it leaves for the next one); the answer depends only on these arguments
# and on the countries the article names (which decide the cities abroad).
@lru_cache(maxsize=4096)
def _find_places(
    text: str, context_region: str | None, countries: frozenset[str] | None
) -> tuple[PlaceMention, ...]:
    regions = list(_named_regions(text, countries))
    facilities = []
    for facility in _facilities_named(text):
        nearest = min(regions, key=lambda r: abs(r.start - facility.start), default=None)
        region = nearest.region if nearest else context_region
        facilities.extend(find_facilities(text[facility.start : facility.end], region))
        facilities[-1] = PlaceMention(
            facility.start, facility.end, facilities[-1].ref, facilities[-1].region
        )
    facilities = [
        f for f in facilities if not any(r.start < f.end and f.start < r.end for r in regions)
    ]
    mentions = regions + facilities
    if not regions and context_region:
        for match in REGION_ANAPHOR.finditer(text):
            ref = region_ref(context_region)
            if ref is not None:
                mentions.append(PlaceMention(match.start(), match.end(), ref, context_region))
    return tuple(sorted(mentions, key=lambda m: m.start))


@lru_cache(maxsize=4096)
def _facilities_named(text: str) -> tuple[PlaceMention, ...]:
    """The facilities of a text, not yet placed: which they are depends on the text alone."""
    return tuple(find_facilities(text, None))


# The regions and places abroad a text names do not depend on the region of the context,
# which extraction asks about in turn (None, then the article's latest region).
@lru_cache(maxsize=4096)
def _named_regions(text: str, countries: frozenset[str] | None) -> tuple[PlaceMention, ...]:
    named = find_regions(text)
    return tuple(named + _world_mentions(text, named))


def world_ref(place: WorldPlace) -> PlaceRef:
    """A place abroad as extraction names it: a city belongs to its country."""
    if place.kind == "city":
        return PlaceRef(place.name, "city", place.country, ())
    if place.kind == "region":
        return PlaceRef(place.name, "region", place.country, ())
    return PlaceRef(place.name, "region", None, ())


def _world_mentions(text: str, taken: list[PlaceMention]) -> list[PlaceMention]:
    """Places the gazetteer does not list: a Russian town stands for its region, a place
    abroad for itself within its country."""
    found = []
    for mention in find_world_places(text):
        if any(m.start < mention.end and mention.start < m.end for m in taken):
            continue
        home = home_region(mention.place)
        if home is not None:
            subject = gazetteer().subject(home)
            if subject is not None:
                found.append(PlaceMention(mention.start, mention.end, subject.ref, subject.name))
            continue
        if mention.place.country_code == "RU":
            continue
        ref = world_ref(mention.place)
        found.append(PlaceMention(mention.start, mention.end, ref, ref.region or ref.name))
    return found


def _gazetteer_subject(name: str) -> Subject | None:
    """The gazetteer's region of exactly this name or form (case and spacing aside)."""
    gaz = gazetteer()
    return gaz.by_form.get(name) or gaz.by_casefold.get(" ".join(name.casefold().split()))


@lru_cache(maxsize=1024)  # asked for the article's region by each of its drafts
def region_ref(name: str) -> PlaceRef | None:
    """The PlaceRef of a region given any of its names: the gazetteer's exact forms, then
    the world's (a country, a subdivision abroad), then a close spelling of a gazetteer form."""
    subject = _gazetteer_subject(name)
    if subject is not None:
        return subject.ref
    place = world_place(name)
    if place is not None and place.country_code != "RU":
        return world_ref(place) if place.kind != "city" else world_ref_country(place)
    subject = gazetteer().subject(name)
    return subject.ref if subject else None


def world_ref_country(place: WorldPlace) -> PlaceRef:
    return PlaceRef(place.country, "region", None, ())


def canonical_place(name: str) -> str | None:
    """The canonical name of any place: a Russian region's, else a country's, subdivision's or
    city's name abroad ("Primorye" -> "Primorsky Krai", "Brač" -> "Brac")."""
    subject = _gazetteer_subject(name)
    if subject is not None:
        return subject.name
    place = world_place(name)
    if place is not None and place.country_code != "RU":
        return place.name
    return canonical_region(name)


@lru_cache(maxsize=1024)  # asked for the article's region by each of its drafts
def canonical_region(name: str) -> str | None:
    """The canonical name of the region a name refers to ("Primorye" -> "Primorsky Krai")."""
    subject = gazetteer().subject(name)
    return subject.name if subject else None
