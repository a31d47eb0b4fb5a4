"""Numbered migrations, one stream per component: discovered from the package, applied once, in
order, atomically, and recorded as (component, version)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import aiosqlite
import pytest

from bot.features.checkins.feature import Checkins
from bot.store import migrations
from bot.store.migrations import CORE, MigrationStream
from bot.store.store import CoreStore, open_sqlite

MIGRATION_DIR = Path(migrations.__file__).parent / "migrations"


def a_stream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
             files: dict[str, str]) -> MigrationStream:
    """A component of the test's own, as an importable package with a migrations/ folder."""
    package = tmp_path / "pkgs" / name
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for filename, sql in files.items():
        (package / "migrations" / filename).write_text(textwrap.dedent(sql))
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    sys.modules.pop(name, None)
    return MigrationStream(name, name)


def test_available_lists_every_numbered_file_in_order() -> None:
    files = sorted(p.name for p in MIGRATION_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))
    found = CORE.available()
    assert [f"{m.version:04d}_{m.name}.sql" for m in found] == files
    assert found[0].version == 1 and found[0].name == "core"
    assert [m.version for m in found] == sorted({m.version for m in found})


def test_each_feature_numbers_its_own_stream_from_one() -> None:
    assert Checkins.migrations is not None
    assert [m.version for m in Checkins.migrations.available()] == [1, 2, 3, 4, 5]


async def test_a_new_store_is_at_the_latest_version(store: CoreStore) -> None:
    latest = CORE.available()[-1].version
    assert (await store.schema_versions())["core"] == latest
    rows = await store.db.fetchall(
        "SELECT version, name FROM schema_migrations WHERE component = 'core' ORDER BY version")
    assert [(r["version"], r["name"]) for r in rows] == [
        (m.version, m.name) for m in CORE.available()
    ]


async def test_migrate_is_idempotent(store: CoreStore, db_path: Path) -> None:
    again = await migrations.migrate(store.db, CORE)
    assert again == (await store.schema_versions())["core"]
    reopened = await open_sqlite(db_path)
    await reopened.close()
    rows = await store.db.fetchall("SELECT COUNT(*) AS n FROM schema_migrations")
    assert rows[0]["n"] == len(CORE.available())


@pytest.mark.sqlite_only  # SQLite itself (PRAGMA, query plans, the file)
async def test_core_tables_exist_with_their_keys(store: CoreStore) -> None:
    tables = {t.name: t for t in await store.db.tables()}
    assert {"communities", "members", "channels", "jobs", "deliveries", "seen_events",
            "audit_log", "schema_migrations"} <= set(tables)
    assert not {name for name in tables if name.startswith("checkin_")}, "core names no feature"
    pk = [r["name"] for r in sorted(await store.db.fetchall("PRAGMA table_info(deliveries)"),
                                    key=lambda r: r["pk"]) if r["pk"]]
    assert pk == ["job_id", "occurrence"]
    jobs_fk = {r["from"]: (r["table"], r["on_delete"])
               for r in await store.db.fetchall("PRAGMA foreign_key_list(jobs)")}
    assert jobs_fk["member_id"] == ("members", "CASCADE")


@pytest.mark.sqlite_only  # SQLite itself (PRAGMA, query plans, the file)
async def test_connection_settings(store: CoreStore) -> None:
    async def pragma(name: str) -> object:
        row = await store.db.fetchone(f"PRAGMA {name}")
        assert row is not None
        return row[0]

    assert await pragma("journal_mode") == "wal"
    assert await pragma("foreign_keys") == 1
    assert await pragma("synchronous") == 1  # NORMAL
    assert int(str(await pragma("busy_timeout"))) >= 1000


@pytest.mark.sqlite_only  # SQLite itself (PRAGMA, query plans, the file)
async def test_new_migrations_are_applied_in_order_and_recorded(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = a_stream(tmp_path, monkeypatch, "notes_feature", {
        "0001_notes.sql": "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);",
    })
    store = await open_sqlite(db_path)
    try:
        assert await store.migrate(stream) == 1
        (package := tmp_path / "pkgs" / "notes_feature" / "migrations").joinpath(
            "0002_notes_index.sql").write_text("CREATE INDEX notes_body ON notes (body);")
        assert package.is_dir()
        assert await store.migrate(stream) == 2
        assert (await store.schema_versions())["notes_feature"] == 2
        indexes = await store.db.fetchall("PRAGMA index_list(notes)")
        assert [r["name"] for r in indexes] == ["notes_body"]
    finally:
        await store.close()


@pytest.mark.sqlite_only  # SQLite itself (PRAGMA, query plans, the file)
async def test_a_failing_migration_rolls_back_entirely(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = a_stream(tmp_path, monkeypatch, "broken_feature", {
        "0001_broken.sql": "CREATE TABLE half (a);\nINSERT INTO missing VALUES (1);",
    })
    store = await open_sqlite(db_path)
    try:
        with pytest.raises(aiosqlite.OperationalError, match="missing"):
            await store.migrate(broken)
        assert "broken_feature" not in await store.schema_versions()
        tables = await store.db.fetchall("SELECT name FROM sqlite_master WHERE name = 'half'")
        assert tables == []
    finally:
        await store.close()


async def test_two_features_may_both_have_a_migration_number_one(
    store: CoreStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = a_stream(tmp_path, monkeypatch, "first_feature",
                     {"0001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);"})
    second = a_stream(tmp_path, monkeypatch, "second_feature",
                      {"0001_b.sql": "CREATE TABLE b (id INTEGER PRIMARY KEY);"})
    assert await store.migrate(first) == 1
    assert await store.migrate(second) == 1
    versions = await store.schema_versions()
    assert versions["first_feature"] == versions["second_feature"] == 1
