"""The database file itself: created only where none exists, refused when empty, foreign or
damaged, owner-only (0600, with its -wal and -shm), and deleted rows really gone from its bytes."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.sqlite_db import SqliteDb, StoreRefused
from bot.store.store import open_sqlite


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which files are created 0644 unless asked otherwise."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def all_bytes(folder: Path, prefix: str) -> bytes:
    """The database and every file SQLite keeps next to it (-wal, -shm)."""
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.name.startswith(prefix))


def exists(path: Path) -> bool:
    return path.exists()


async def test_a_fresh_database_and_its_wal_and_shm_are_owner_only(
    tmp_path: Path, umask_022: None
) -> None:
    db = tmp_path / "w.db"
    store = await open_sqlite(db)
    try:
        await store.db.execute("INSERT INTO communities (platform, platform_id) VALUES ('t', 'c')")
        files = [db, Path(f"{db}-wal"), Path(f"{db}-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: oct(mode(f)) for f in files} == {f.name: "0o600" for f in files}
    finally:
        await store.close()


async def test_an_existing_world_readable_database_is_made_owner_only(
    tmp_path: Path, umask_022: None
) -> None:
    db = tmp_path / "w.db"
    with sqlite3.connect(db) as conn:  # as an older Warmline left it: 0644
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE t (x)")
    assert mode(db) == 0o644
    store = await open_sqlite(db)
    try:
        assert mode(db) == mode(Path(f"{db}-wal")) == mode(Path(f"{db}-shm")) == 0o600
    finally:
        await store.close()


async def test_deleted_rows_do_not_linger_in_the_file(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    marker = "private-note-marker-5c1f0e"
    store = await open_sqlite(db)
    try:
        assert isinstance(store.db, SqliteDb)
        for conn in (store.db._writer, store.db._reader):
            async with conn.execute("PRAGMA secure_delete") as cur:
                row = await cur.fetchone()
            assert row is not None and row[0] == 1
        await store.db.execute(
            "INSERT INTO communities (platform, platform_id, name) VALUES ('t', 'c', ?)", (marker,))
        await store.db.checkpoint()
        assert marker.encode() in db.read_bytes()  # the check below can see it
        await store.db.execute("DELETE FROM communities WHERE name = ?", (marker,))
        await store.db.checkpoint()
    finally:
        await store.close()
    assert marker.encode() not in all_bytes(tmp_path, "w.db")


async def test_an_empty_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    db.touch()  # 2,000 members' worth of database, truncated to 0 bytes by a bad restore
    with pytest.raises(StoreRefused) as refused:
        await open_sqlite(db)
    assert str(db) in str(refused.value)
    assert "empty (0 bytes)" in str(refused.value)
    assert db.stat().st_size == 0
    assert not exists(Path(f"{db}-wal"))


async def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    db.write_text("members:\n  - sam\n", encoding="utf-8")
    with pytest.raises(StoreRefused) as refused:
        await open_sqlite(db)
    assert str(db) in str(refused.value) and "not a SQLite database" in str(refused.value)
    assert db.read_text(encoding="utf-8") == "members:\n  - sam\n"


def damage(db: Path) -> None:
    """A database with one table over many pages, then garbage written over a page in the
    middle of that table, as a disk or a careless copy might leave it."""
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.executemany("INSERT INTO notes (body) VALUES (?)",
                         [(f"note {n} " + "x" * 200,) for n in range(2000)])
    conn.close()
    page = 4096
    size = db.stat().st_size
    assert size > 20 * page
    with db.open("r+b") as fh:
        fh.seek((size // page // 2) * page)
        fh.write(b"\xde\xad\xbe\xef" * (page // 4))


async def test_a_damaged_file_is_refused_by_quick_check(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    damage(db)
    before = db.read_bytes()
    with pytest.raises(StoreRefused) as refused:
        await open_sqlite(db)
    message = str(refused.value)
    assert str(db) in message and "damaged" in message
    assert ".recover" in message and "backup" in message
    assert db.read_bytes() == before


async def test_a_new_database_is_created_where_none_exists(tmp_path: Path) -> None:
    db = tmp_path / "deeper" / "w.db"
    store = await open_sqlite(db)
    await store.close()
    assert db.read_bytes()[:16] == b"SQLite format 3\x00"
    store = await open_sqlite(db)  # and opened again
    await store.close()
