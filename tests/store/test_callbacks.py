"""Button tokens: one per chat and command a day, bound to their chat, and expiring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store import Store
from store.callbacks import KEEP_DAYS, REUSE_HOURS


async def _age(store: Store, token: str, age: timedelta) -> None:
    """Pretend `token` was made `age` ago."""
    made = (datetime.now(UTC) - age).isoformat(timespec="seconds")
    await store.db.conn.execute(
        "UPDATE callback_commands SET created_at = ? WHERE token = ?", (made, token)
    )


async def _rows(store: Store) -> int:
    return int(await store.db.scalar("SELECT count(*) FROM callback_commands"))


async def test_asking_again_reuses_the_token_and_stores_nothing(store: Store) -> None:
    first = await store.callbacks.save(1, "/timeline")
    assert await store.callbacks.save(1, "/timeline") == first
    assert await _rows(store) == 1
    assert await store.callbacks.command(first, 1) == "/timeline"


async def test_each_chat_and_command_has_its_own_token(store: Store) -> None:
    tokens = {
        await store.callbacks.save(1, "/timeline"),
        await store.callbacks.save(2, "/timeline"),
        await store.callbacks.save(1, "/timeline 2021"),
    }
    assert len(tokens) == 3
    assert await _rows(store) == 3


async def test_a_token_from_another_chat_finds_nothing(store: Store) -> None:
    token = await store.callbacks.save(1, "/sources")
    assert await store.callbacks.command(token, 2) is None


async def test_an_older_token_still_works_but_is_not_handed_out_again(store: Store) -> None:
    old = await store.callbacks.save(1, "/timeline")
    await _age(store, old, timedelta(hours=REUSE_HOURS, minutes=5))
    new = await store.callbacks.save(1, "/timeline")
    assert new != old
    assert await store.callbacks.command(old, 1) == "/timeline"
    assert await store.callbacks.command(new, 1) == "/timeline"


async def test_an_expired_token_finds_nothing(store: Store) -> None:
    token = await store.callbacks.save(1, "/timeline")
    await _age(store, token, timedelta(days=KEEP_DAYS, hours=1))
    assert await store.callbacks.command(token, 1) is None
