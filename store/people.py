"""People and organisations, with the spellings that refer to them."""

from __future__ import annotations

import aiosqlite

from store.db import Database
from store.models import Person, PersonRef
from store.places import normalise_alias


class PersonRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def ensure(self, conn: aiosqlite.Connection, ref: PersonRef) -> int:
        """Find the person by name or by any alias, or create them; record new aliases."""
        aliases = {normalise_alias(a) for a in (ref.name, *ref.aliases) if a.strip()}
        row = await (
            await conn.execute("SELECT id FROM people WHERE name = ?", (ref.name,))
        ).fetchone()
        if row is None and aliases:
            marks = ",".join("?" * len(aliases))
            row = await (
                await conn.execute(
                    f"SELECT person_id FROM person_aliases WHERE alias IN ({marks})"
                    " ORDER BY person_id LIMIT 1",
                    tuple(sorted(aliases)),
                )
            ).fetchone()
        if row is None:
            cursor = await conn.execute(
                "INSERT INTO people (name, kind) VALUES (?, ?)", (ref.name, ref.kind)
            )
            person_id = cursor.lastrowid
        else:
            person_id = row[0]
        assert person_id is not None
        for alias in aliases:
            await conn.execute(
                "INSERT OR IGNORE INTO person_aliases (person_id, alias) VALUES (?, ?)",
                (person_id, alias),
            )
        return person_id

    async def list_all(self) -> list[Person]:
        rows = await self.db.fetchall("SELECT * FROM people ORDER BY name")
        people = []
        for row in rows:
            aliases = await self.db.fetchall(
                "SELECT alias FROM person_aliases WHERE person_id = ? ORDER BY alias", (row["id"],)
            )
            people.append(
                Person(row["id"], row["name"], row["kind"], tuple(a[0] for a in aliases))
            )
        return people
