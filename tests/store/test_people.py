"""Finding or creating people: in the store, and decided in memory for a later write."""

from __future__ import annotations

import random

from store import Store
from store.models import PersonRef
from store.people import PeopleIndex

NAMES = ("Anna Petrova", "A. Petrova", "Petrova", "Ivan Sokolov", "I. Sokolov", "Sokolov")


def _ref(rng: random.Random) -> PersonRef:
    name = rng.choice(NAMES)
    aliases = tuple(rng.sample(NAMES, rng.randint(0, 2))) + rng.choice([(), (" ",), ("ANNA",)])
    return PersonRef(name, rng.choice(["person", "organisation"]), aliases)


async def _stored(store: Store) -> list[tuple[int, str, str, tuple[str, ...]]]:
    return [(p.id, p.name, p.kind, p.aliases) for p in await store.people.list_all()]


async def test_the_people_index_decides_what_ensure_named_does(store: Store) -> None:
    """Batch after batch of refs (spellings that overlap, some new): the index finds the
    person the store's own lookup finds, creates the ones it creates with the same ids,
    and once written the two stores hold the same people and aliases."""
    rng = random.Random(5)
    other = await Store.open(store.db.path.with_name("other.sqlite3"))
    try:
        index = PeopleIndex.of(await other.people.list_all())
        for _ in range(8):
            refs = [_ref(rng) for _ in range(rng.randint(1, 5))]
            async with store.db.transaction() as conn:
                expected = [await store.people.ensure_named(conn, ref) for ref in refs]
            async with other.db.transaction() as conn:
                index.next_id = await other.people.next_id(conn)
                found = [index.ensure_named(ref) for ref in refs]
                await other.people.add_pending(conn, index)
            assert found == expected
        assert await _stored(other) == await _stored(store)
        assert len(await _stored(store)) > 1
    finally:
        await other.close()
