"""Seeded synthetic news articles for the ingest benchmark.

Each article is ~800 words of ordinary local-news prose about an invented happening (a
flood, a plant closure, a court case...) in a place taken from the gazetteer's general data
(regions, capitals, towns): dated sentences in every form the extractor reads ("On 12 March
2023", "last Tuesday", "in May", "two days later"), quotes with attribution, background
history, and page furniture lines around the body. Same seed, same articles, so runs compare.
No vocabulary of the sample story: the topics, outlets and names are generic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import yaml

WORDS_PER_ARTICLE = 800
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
OUTLETS = [
    "Northern Courier",
    "Evening Ledger",
    "Regional Wire",
    "Riverside Observer",
    "Daily Chronicle",
    "Morning Dispatch",
]
MALE_NAMES = [
    "Pavel",
    "Mikhail",
    "Dmitry",
    "Sergei",
    "Andrei",
    "Nikolai",
    "Ivan",
    "Oleg",
    "Yuri",
    "Viktor",
    "Roman",
    "Artem",
    "Konstantin",
    "Boris",
    "Grigory",
    "Stepan",
    "Timur",
    "Ruslan",
    "Denis",
    "Vadim",
]
FEMALE_NAMES = [
    "Anna",
    "Irina",
    "Olga",
    "Yelena",
    "Natalia",
    "Tatiana",
    "Maria",
    "Svetlana",
    "Ksenia",
    "Daria",
    "Polina",
    "Vera",
    "Alina",
    "Galina",
    "Larisa",
    "Marina",
    "Yulia",
    "Zoya",
    "Inna",
    "Lidia",
]
SURNAMES = [
    "Lebedev",
    "Sokolov",
    "Morozov",
    "Fedorov",
    "Orlov",
    "Belov",
    "Zaitsev",
    "Gusev",
    "Kozlov",
    "Romanov",
    "Tarasov",
    "Yakovlev",
    "Volkov",
    "Nikitin",
    "Zakharov",
    "Frolov",
    "Golubev",
    "Vinogradov",
    "Bogdanov",
    "Vorobyov",
    "Kiselev",
    "Makarov",
    "Andreev",
    "Kovalev",
    "Ilyin",
    "Gerasimov",
    "Markov",
    "Tikhonov",
    "Krylov",
    "Baranov",
    "Kulikov",
    "Alekseev",
    "Stepanov",
    "Semenov",
    "Pavlov",
    "Egorov",
    "Denisov",
    "Titov",
    "Komarov",
    "Belyaev",
]
ROLES = [
    "a spokesperson for the regional administration",
    "the deputy head of the district",
    "a local lawyer",
    "the plant's chief engineer",
    "a member of the city council",
    "an independent analyst",
]
ACTORS = [
    "the regional administration",
    "the emergencies ministry",
    "local prosecutors",
    "the transport ministry",
    "the city council",
    "the environmental watchdog",
    "firefighters",
    "the operating company",
    "the health ministry",
    "investigators",
    "the governor's office",
    "the railway operator",
    "the port authority",
    "union representatives",
]
_THINGS = """bridge|chemical plant|water treatment works|regional airport|power station|ferry
    terminal|district hospital|coal mine|grain terminal|motorway section|secondary school|textile
    factory|cement works|bus depot|river embankment|heating plant|shopping centre|sports arena|
    railway station|oil depot|landfill site|children's clinic|tram line|pulp mill|steel works|
    dairy plant|sewage plant|gas pipeline|housing estate|cable car|river port|museum|concert hall|
    paper mill|shipyard|glass factory|fish farm|meat plant|tannery|brewery""".replace("\n", "")
THINGS = [" ".join(thing.split()) for thing in _THINGS.split("|")]
ACTIONS = [
    "opened an inquiry into the {thing}",
    "announced safety checks at the {thing}",
    "evacuated residents living near the {thing}",
    "closed the {thing} for emergency repairs",
    "fined the owner of the {thing} {n} million roubles",
    "suspended work at the {thing}",
    "published an audit of the {thing}",
    "approved new funding for the {thing}",
    "detained two managers of the {thing}",
    "reopened the {thing} after an inspection",
    "ordered a structural survey of the {thing}",
    "sued the contractor that rebuilt the {thing}",
    "sent {n} engineers to inspect the {thing}",
    "cut the water supply to the {thing}",
    "set up a crisis team to oversee the {thing}",
    "promised compensation to families near the {thing}",
    "revoked the operating licence of the {thing}",
    "brought charges against the director of the {thing}",
    "held a public hearing about the future of the {thing}",
    "installed temporary pumps at the {thing}",
]
HAPPENINGS = [
    "a fire broke out at the {thing}",
    "flood water reached the {thing}",
    "a roof collapsed at the {thing}",
    "workers walked out at the {thing}",
    "a gas leak was reported at the {thing}",
    "power failed across the area around the {thing}",
]
QUOTE_SUBJECTS = [
    "We",
    "The authorities",
    "Our engineers",
    "The residents",
    "The owners",
    "Nobody in the district",
    "The contractors",
    "Local families",
]
QUOTE_VERBS = [
    "are doing everything we can to",
    "have asked for months to",
    "were never told how to",
    "will not rest until we",
    "had no money left to",
    "tried several times to",
    "still hope to",
    "were given no time to",
]
QUOTE_OBJECTS = [
    "keep people safe",
    "repair the damage",
    "find out who is responsible",
    "move the families somewhere dry",
    "get an honest answer",
    "rebuild what was lost",
    "stop this from happening again",
    "check every building",
]
SAYERS = [
    "the ministry said in a statement",
    "a spokesperson told reporters",
    "the regional administration said",
    "the company said on its website",
    "local officials said",
]
DETAILS = [
    "Residents of {town} said the water had risen to knee height in some streets.",
    "The {thing} employs about {n}00 people and supplies much of the area.",
    "Several roads around {town} remained closed to traffic.",
    "Volunteers handed out food and blankets at a shelter in {town}.",
    "Inspectors had pointed to cracks in the {thing} during earlier visits.",
    "The cause of the incident at the {thing} has not yet been established.",
    "Opposition deputies in {town} demanded a public hearing on the matter.",
    "Insurance companies have begun assessing the damage to the {thing}.",
    "Schools in {town} switched to remote lessons for the rest of the week.",
    "Prices for building materials in the region have risen by {n} percent this year.",
    "{town} has a population of roughly {n} thousand people.",
    "Environmental groups have long criticised the way the {thing} is run.",
    "The {thing} changed owners {n} times over the past two decades.",
    "Traffic police set up diversions on the roads leading to {town}.",
    "Local media reported long queues at petrol stations in {town}.",
    "The regional budget set aside {n} million roubles for repairs this year.",
]
FURNITURE_TOP = ["Skip to main content", "Menu  Search  Sign in", "Share this article"]
FURNITURE_BOTTOM = [
    "Advertisement",
    "Subscribe to our newsletter",
    "Read more",
    "Related stories",
    "Comments (12)",
]


@dataclass(frozen=True)
class Place:
    region: str  # how news names the region: "the Tver region", "Tatarstan"
    town: str  # a capital or town of it


def gazetteer_places() -> list[Place]:
    """Regions with their capitals and towns, from the product's general gazetteer data."""
    raw = resources.files("ingest.data").joinpath("gazetteer.yaml").read_text("utf-8")
    places: list[Place] = []
    for entry in yaml.safe_load(raw)["subjects"]:
        if entry.get("ambiguous") or entry["type"] == "city":
            continue
        towns = [*entry.get("capitals", []), *entry.get("cities", [])]
        if not towns:
            continue
        if entry["type"] in ("oblast", "krai"):
            region = f"the {entry['short']} region"
        else:
            region = entry["short"]
        places.extend(Place(region, town) for town in towns)
    return places


class ArticleWriter:
    """Writes one article at a time from a seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.places = gazetteer_places()

    # --- small pieces ---------------------------------------------------------------

    def _pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def _fill(self, template: str, thing: str, town: str = "") -> str:
        return template.format(thing=thing, town=town, n=self.rng.randint(2, 90))

    def _person(self) -> str:
        if self.rng.random() < 0.5:
            return f"{self._pick(MALE_NAMES)} {self._pick(SURNAMES)}"
        return f"{self._pick(FEMALE_NAMES)} {self._pick(SURNAMES)}a"

    @staticmethod
    def _day(day: date) -> str:
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}"

    def _dated_sentence(self, day: date, published: date, thing: str, place: Place) -> str:
        actor = self._pick(ACTORS)
        action = self._fill(self._pick(ACTIONS), thing)
        happening = self._fill(self._pick(HAPPENINGS), thing)
        back = (published - day).days
        form = self.rng.randrange(6)
        if form == 0:
            return f"On {self._day(day)}, {actor} {action} in {place.town}."
        if form == 1 and 0 < back < 7:
            return f"{actor.capitalize()} {action} last {WEEKDAYS[day.weekday()]}, officials said."
        if form == 2:
            return f"In {MONTHS[day.month - 1]}, {happening} in {place.region}."
        if form == 3:
            return (
                f"{self.rng.randint(3, 40)} people were evacuated from homes in {place.town} "
                f"on {MONTHS[day.month - 1]} {day.day}, {self._pick(SAYERS)}."
            )
        if form == 4:
            return f"Two days later, {actor} {action}."
        return f"On {WEEKDAYS[day.weekday()]}, {day.day} {MONTHS[day.month - 1]}, {happening}."

    def _quote(self, thing: str) -> str:
        quote = " ".join(
            [self._pick(QUOTE_SUBJECTS), self._pick(QUOTE_VERBS), self._pick(QUOTE_OBJECTS)]
        )
        if self.rng.random() < 0.5:
            return f"“{quote},” {self._pick(SAYERS)}."
        return f"“{quote} at the {thing},” said {self._person()}, {self._pick(ROLES)}."

    def _background(self, published: date, thing: str, place: Place) -> str:
        year = self.rng.randint(1960, published.year - 6)
        return self.rng.choice(
            [
                f"The {thing} was built in {year} and last renovated in {year + 4}.",
                f"A similar accident in {place.region} in {year} left dozens of people homeless.",
            ]
        )

    # --- the article ----------------------------------------------------------------

    def article(self, number: int) -> tuple[str, str]:
        """(file name, file text with front matter) of article `number`."""
        rng = self.rng
        published = date(2021, 1, 1) + timedelta(days=rng.randrange(4 * 365))
        thing = self._pick(THINGS)
        place = rng.choice(self.places)
        outlet = self._pick(OUTLETS)
        title = f"{self._fill(self._pick(HAPPENINGS), thing).capitalize()} in {place.town}"
        paragraphs: list[str] = []
        words = 0
        while words < WORDS_PER_ARTICLE - 60:  # the furniture and title add the rest
            sentences = []
            for _ in range(rng.randint(3, 5)):
                roll = rng.random()
                if roll < 0.45:
                    day = published - timedelta(days=rng.randrange(0, 40))
                    sentences.append(self._dated_sentence(day, published, thing, place))
                elif roll < 0.65:
                    sentences.append(self._quote(thing))
                elif roll < 0.75:
                    sentences.append(self._background(published, thing, place))
                else:
                    sentences.append(self._fill(self._pick(DETAILS), thing, place.town))
            paragraph = " ".join(sentences)
            paragraphs.append(paragraph)
            words += len(paragraph.split())
        slug = "-".join(title.lower().split()[:6])
        url = f"https://news.example.org/{published:%Y/%m/%d}/{slug}-{number}"
        front = f'---\noutlet: {outlet}\ntitle: "{title}"\nurl: {url}\n---\n'
        body = "\n".join(
            [
                *rng.sample(FURNITURE_TOP, 2),
                "",
                title,
                "",
                "\n\n".join(paragraphs),
                "",
                f"Photo: {outlet}",
                *rng.sample(FURNITURE_BOTTOM, 3),
                f"© {published.year} {outlet}. All rights reserved.",
            ]
        )
        return f"{number:04d}.txt", front + body + "\n"


def write_articles(folder: Path, count: int, seed: int = 7) -> list[Path]:
    """Write `count` articles into `folder`; returns their paths in order."""
    writer = ArticleWriter(seed)
    paths = []
    for number in range(count):
        name, text = writer.article(number)
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
