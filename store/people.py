"""People and organisations, with the spellings that refer to them."""

from __future__ import annotations

from collections import defaultdict

import aiosqlite

from store.db import Database
from store.models import Person, PersonRef
from store.places import normalise_alias


class PersonRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def ensure(self, conn: aiosqlite.Connection, ref: PersonRef) -> int:
        """Find the person by name or by any alias, or create them; record new aliases."""
        person_id, _ = await self.ensure_named(conn, ref)
        return person_id

    async def ensure_named(self, conn: aiosqlite.Connection, ref: PersonRef) -> tuple[int, str]:
        """`ensure`, also returning the name the person is stored under (another spelling
        when an alias found them)."""
        aliases = {normalise_alias(a) for a in (ref.name, *ref.aliases) if a.strip()}
        row = await (
            await conn.execute("SELECT id, name FROM people WHERE name = ?", (ref.name,))
        ).fetchone()
        if row is None and aliases:
            marks = ",".join("?" * len(aliases))
            row = await (
                await conn.execute(
                    f"SELECT a.person_id, p.name FROM person_aliases a"
                    f" JOIN people p ON p.id = a.person_id WHERE a.alias IN ({marks})"
                    " ORDER BY a.person_id LIMIT 1",
                    tuple(sorted(aliases)),
                )
            ).fetchone()
        if row is None:
            cursor = await conn.execute(
                "INSERT INTO people (name, kind) VALUES (?, ?)", (ref.name, ref.kind)
            )
            person_id, name = cursor.lastrowid, ref.name
        else:
            person_id, name = row[0], row[1]
        assert person_id is not None
        await conn.executemany(
            "INSERT OR IGNORE INTO person_aliases (person_id, alias) VALUES (?, ?)",
            [(person_id, alias) for alias in aliases],
        )
        return person_id, name

    async def list_all(self) -> list[Person]:
        rows = await self.db.fetchall("SELECT * FROM people ORDER BY name")
        # All aliases in one query rather than one per person.
        aliases: dict[int, list[str]] = defaultdict(list)
        for person_id, alias in await self.db.fetchall(
            "SELECT person_id, alias FROM person_aliases ORDER BY person_id, alias"
        ):
            aliases[person_id].append(alias)
        return [
            Person(row["id"], row["name"], row["kind"], tuple(aliases[row["id"]])) for row in rows
        ]
