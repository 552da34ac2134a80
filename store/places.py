"""Places and facilities, with the spellings that refer to them."""

from __future__ import annotations

import aiosqlite

from store.db import Database
from store.models import PersonRef, Place, PlaceRef

# Bound parameters per statement: SQLite's oldest default limit, safe on any build.
SQL_VARIABLES = 999


def ref_aliases(ref: PlaceRef | PersonRef) -> set[str]:
    """The spellings stored for a place or person ref: its name and aliases, normalised."""
    return {normalise_alias(a) for a in (ref.name, *ref.aliases) if a.strip()}


def normalise_alias(text: str) -> str:
    """Aliases are matched case-insensitively with collapsed spaces."""
    return " ".join(text.casefold().split())


class PlaceRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cached: tuple[int, list[Place]] | None = None  # (version, places)
        self._counts: tuple[str, list[tuple[Place, int]]] | None = None  # (versions, counts)

    async def ensure(self, conn: aiosqlite.Connection, ref: PlaceRef) -> int:
        """Find the place by name or create it; add any new aliases. Returns its id."""
        return (await self.ensure_many(conn, [ref]))[ref.name]

    async def ensure_many(
        self, conn: aiosqlite.Connection, refs: list[PlaceRef]
    ) -> dict[str, int]:
        """`ensure` for many refs in a few statements: name -> id. A name new to the store
        is created from its first ref, in order, as one `ensure` after another would."""
        ids: dict[str, int] = {}
        # An article links the same few places to most of its events: each ref and each
        # alias row once (hundreds of rows otherwise, nearly all ignored as present).
        refs = list(dict.fromkeys(refs))
        names = list(dict.fromkeys(ref.name for ref in refs))
        for chunk in range(0, len(names), SQL_VARIABLES):
            part = names[chunk : chunk + SQL_VARIABLES]
            marks = ",".join("?" * len(part))
            rows = await conn.execute_fetchall(
                f"SELECT id, name FROM places WHERE name IN ({marks})", tuple(part)
            )
            ids.update({row[1]: row[0] for row in rows})
        for ref in refs:
            if ref.name not in ids:
                cursor = await conn.execute(
                    "INSERT INTO places (name, kind, region) VALUES (?, ?, ?)",
                    (ref.name, ref.kind, ref.region),
                )
                assert cursor.lastrowid is not None
                ids[ref.name] = cursor.lastrowid
        await conn.executemany(
            "INSERT OR IGNORE INTO place_aliases (place_id, alias) VALUES (?, ?)",
            list(
                dict.fromkeys((ids[ref.name], alias) for ref in refs for alias in ref_aliases(ref))
            ),
        )
        return ids

    async def list_all(self) -> list[Place]:
        """Every place with its aliases. /facility matches against them all, so they are
        kept in memory until a write to places or aliases (by any process) bumps their
        version; the same list object is returned while it is current."""
        version = await self.db.data_version("places")
        if self._cached is None or self._cached[0] != version:
            self._cached = (version, await self._read_all())
        return self._cached[1]

    async def _read_all(self) -> list[Place]:
        rows = await self.db.fetchall(
            "SELECT p.*, group_concat(a.alias, char(31)) AS aliases FROM places p"
            " LEFT JOIN place_aliases a ON a.place_id = p.id GROUP BY p.id ORDER BY p.name"
        )
        return [
            Place(
                id=row["id"],
                name=row["name"],
                kind=row["kind"],
                region=row["region"],
                aliases=tuple(sorted(row["aliases"].split("\x1f"))) if row["aliases"] else (),
            )
            for row in rows
        ]

    async def find_by_alias(self, text: str) -> list[Place]:
        """Places whose name or alias equals the text (case-insensitive)."""
        alias = normalise_alias(text)
        return [place for place in await self.list_all() if alias in place.aliases]

    async def event_counts(self) -> list[tuple[Place, int]]:
        """Every place with at least one visible event, and how many, most first: as the
        triggers keep them (migration 0022), ranked once per change to events' places."""
        version = await self.db.scalar(
            "SELECT group_concat(version) FROM data_versions"
            " WHERE name IN ('places', 'event_places')"
        )
        if self._counts is None or self._counts[0] != version:
            rows = await self.db.fetchall(
                "SELECT place_id, visible FROM place_counts WHERE visible > 0"
            )
            counts = {place_id: n for place_id, n in rows}
            places = [p for p in await self.list_all() if p.id in counts]
            ranked = sorted(places, key=lambda p: (-counts[p.id], p.name))
            self._counts = (version, [(p, counts[p.id]) for p in ranked])
        return self._counts[1]
