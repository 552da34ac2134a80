"""People and organisations, with the spellings that refer to them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import aiosqlite

from store.db import Database
from store.models import Person, PersonRef
from store.places import ref_aliases


@dataclass
class PeopleIndex:
    """The stored people by name and by alias, so that a writer can decide what
    `PersonRepo.ensure_named` would (find the person, or create them with the id SQLite
    would give) without a trip to the database per person, and write the new people and
    aliases later in two statements (`PersonRepo.add_pending`)."""

    by_name: dict[str, int]
    names: dict[int, str]
    first_owner: dict[str, int]  # alias -> the lowest id of a person with that alias
    next_id: int = 0  # set from the store before the first batch (`PersonRepo.next_id`)
    new_people: list[tuple[int, str, str]] = field(default_factory=list)  # id, name, kind
    new_aliases: list[tuple[int, str]] = field(default_factory=list)

    @classmethod
    def of(cls, people: list[Person]) -> PeopleIndex:
        first_owner: dict[str, int] = {}
        for person in sorted(people, key=lambda p: p.id):
            for alias in person.aliases:
                first_owner.setdefault(alias, person.id)
        return cls({p.name: p.id for p in people}, {p.id: p.name for p in people}, first_owner)

    def ensure_named(self, ref: PersonRef) -> tuple[int, str]:
        """`PersonRepo.ensure_named`, in memory: the rows it would add are kept."""
        aliases = ref_aliases(ref)
        person_id = self.by_name.get(ref.name)
        if person_id is None:
            owners = [self.first_owner[a] for a in aliases if a in self.first_owner]
            person_id = min(owners, default=None)
        if person_id is None:
            person_id, self.next_id = self.next_id, self.next_id + 1
            self.by_name[ref.name] = person_id
            self.names[person_id] = ref.name
            self.new_people.append((person_id, ref.name, ref.kind))
        for alias in sorted(aliases):
            if self.first_owner.setdefault(alias, person_id) > person_id:
                self.first_owner[alias] = person_id
            self.new_aliases.append((person_id, alias))
        return person_id, self.names[person_id]


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
        aliases = ref_aliases(ref)
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

    async def next_id(self, conn: aiosqlite.Connection) -> int:
        """The id SQLite gives the next person inserted without one."""
        rows = await conn.execute_fetchall("SELECT coalesce(max(id), 0) + 1 FROM people")
        return int(list(rows)[0][0])

    async def add_pending(self, conn: aiosqlite.Connection, index: PeopleIndex) -> None:
        """Write the people and aliases `index` decided on since the last call."""
        if index.new_people:
            await conn.executemany(
                "INSERT INTO people (id, name, kind) VALUES (?, ?, ?)", index.new_people
            )
        if index.new_aliases:
            await conn.executemany(
                "INSERT OR IGNORE INTO person_aliases (person_id, alias) VALUES (?, ?)",
                list(dict.fromkeys(index.new_aliases)),
            )
        index.new_people, index.new_aliases = [], []

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
