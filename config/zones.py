"""Which time zone names the bot accepts: those Python lists, in any letter case.

`ZoneInfo` also opens whatever lies in the zone folder: a region's directory ("Europe"
raised IsADirectoryError), the posix/ and right/ copies and posixrules, which a system's
tzdata may ship apart or drop (Debian moved them to tzdata-legacy). A stored zone that no
longer loads leaves a chat without digests, so only listed names are taken.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Listed, but no place's clock: "localtime" (where the system links it into the zone
# folder) is the server's own zone and would change with the machine the bot runs on;
# "Factory" is tzdata's placeholder for "zone not set", UTC shown as "-00".
NOT_PLACES = frozenset({"localtime", "Factory"})


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones() if name not in NOT_PLACES}


def canonical_zone(text: str) -> str | None:
    """The zone's own spelling for `text` (`europe/berlin` -> `Europe/Berlin`), or None
    when it names no zone this system lists and can load."""
    name = _zones_by_lower_name().get(text.strip().lower())
    return name if name is not None and zone_loads(name) else None


def zone_loads(name: str) -> bool:
    """Whether this system can read the zone `name`: a stored one valid when it was set may
    be missing here (another machine, or a tzdata that dropped it)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@cache
def _zones_by_city() -> dict[str, tuple[str, ...]]:
    cities: dict[str, list[str]] = {}
    for name in sorted(_zones_by_lower_name().values()):
        region, _, city = name.rpartition("/")
        if region and not region.startswith("Etc"):
            cities.setdefault(city.lower(), []).append(name)
    return {city: tuple(names) for city, names in cities.items()}


def zones_of_city(text: str) -> tuple[str, ...]:
    """The zones named after the place `text` ('berlin', 'new york' -> Europe/Berlin,
    America/New_York), for a zone typed without its region."""
    city = "_".join(text.strip().lower().split())
    return tuple(name for name in _zones_by_city().get(city, ()) if zone_loads(name))
