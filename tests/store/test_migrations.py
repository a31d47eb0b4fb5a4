"""Numbered migrations: discovered from the package, applied once, in order, atomically."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest

from bot.store import migrations
from bot.store.migrations import Migration
from bot.store.sqlite import SqliteStore, open_sqlite

MIGRATION_DIR = Path(migrations.__file__).parent / "migrations"


def test_available_lists_every_numbered_file_in_order() -> None:
    files = sorted(p.name for p in MIGRATION_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))
    found = migrations.available()
    assert [f"{m.version:04d}_{m.name}.sql" for m in found] == files
    assert found[0].version == 1 and found[0].name == "core"
    assert [m.version for m in found] == sorted({m.version for m in found})


async def test_a_new_store_is_at_the_latest_version(store: SqliteStore) -> None:
    latest = migrations.available()[-1].version
    assert await store.schema_version() == latest
    rows = await store.db.fetchall("SELECT version, name FROM schema_version ORDER BY version")
    assert [(r["version"], r["name"]) for r in rows] == [
        (m.version, m.name) for m in migrations.available()
    ]


async def test_migrate_is_idempotent(store: SqliteStore, db_path: Path) -> None:
    async with store.db.locked() as conn:
        again = await migrations.migrate(conn)
    assert again == await store.schema_version()
    reopened = await open_sqlite(db_path)
    await reopened.close()
    rows = await store.db.fetchall("SELECT COUNT(*) AS n FROM schema_version")
    assert rows[0]["n"] == len(migrations.available())


async def test_core_tables_exist_with_their_keys(store: SqliteStore) -> None:
    tables = {r["name"] for r in await store.db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"communities", "members", "channels", "jobs", "deliveries", "seen_events",
            "audit_log", "schema_version"} <= tables
    pk = [r["name"] for r in sorted(await store.db.fetchall("PRAGMA table_info(deliveries)"),
                                    key=lambda r: r["pk"]) if r["pk"]]
    assert pk == ["job_id", "occurrence"]
    jobs_fk = {r["from"]: (r["table"], r["on_delete"])
               for r in await store.db.fetchall("PRAGMA foreign_key_list(jobs)")}
    assert jobs_fk["member_id"] == ("members", "CASCADE")


async def test_connection_settings(store: SqliteStore) -> None:
    async with store.db.locked() as conn:
        async def pragma(name: str) -> object:
            async with conn.execute(f"PRAGMA {name}") as cur:
                row = await cur.fetchone()
            assert row is not None
            return row[0]

        assert await pragma("journal_mode") == "wal"
        assert await pragma("foreign_keys") == 1
        assert await pragma("synchronous") == 1  # NORMAL
        assert int(str(await pragma("busy_timeout"))) >= 1000


async def test_new_migrations_are_applied_in_order_and_recorded(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = migrations.available()
    extra = [
        Migration(9001, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"),
        Migration(9002, "notes_index", "CREATE INDEX notes_body ON notes (body);"),
    ]
    await (await open_sqlite(db_path)).close()  # created at the shipped version first
    monkeypatch.setattr(migrations, "available", lambda: [*shipped, *extra])
    store = await open_sqlite(db_path)
    try:
        assert await store.schema_version() == 9002
        indexes = await store.db.fetchall("PRAGMA index_list(notes)")
        assert [r["name"] for r in indexes] == ["notes_body"]
    finally:
        await store.close()


async def test_a_failing_migration_rolls_back_entirely(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = Migration(9001, "broken", "CREATE TABLE half (a);\nINSERT INTO missing VALUES (1);")
    shipped = migrations.available()
    monkeypatch.setattr(migrations, "available", lambda: [*shipped, broken])
    with pytest.raises(aiosqlite.OperationalError, match="missing"):
        await open_sqlite(db_path)
    monkeypatch.undo()
    store = await open_sqlite(db_path)
    try:
        assert await store.schema_version() == migrations.available()[-1].version
        tables = await store.db.fetchall("SELECT name FROM sqlite_master WHERE name = 'half'")
        assert tables == []
    finally:
        await store.close()
