"""`warmline db copy` (SQLite → PostgreSQL, everything or one community, verified by row counts;
an export reads the same from both) and `warmline db backup` (SQLite's online backup API)."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

import pytest

from bot.db_commands import cmd_db_backup, cmd_db_copy
from bot.exit_codes import ExitCode
from bot.sim.simulate import simulation
from bot.store.open import open_store
from tests.helpers.backends import schema_url
from tests.helpers.checkins import MONDAY, advance, command, make_settings, world


async def a_community_with_history(path: Path, community: str) -> None:
    async with simulation(db=path, settings=make_settings(), start=MONDAY) as s:
        await world(s)
        if community != "c":
            await s.run_line({"community": {"id": community}})
        for user in ("sam", "ny"):
            await command(s, user, "checkin join")
        await advance(s, "2026-01-07T18:00:00Z")


async def counts(url: str) -> dict[str, int]:
    store = await open_store(url)
    try:
        found: dict[str, int] = {}
        for t in await store.db.tables():
            if t.name != "schema_migrations":
                row = await store.db.fetchone(f'SELECT COUNT(*) FROM "{t.name}"')
                assert row is not None
                found[t.name] = int(row[0])
        return found
    finally:
        await store.close()


async def exports(url: str) -> list[dict[str, object]]:
    store = await open_store(url)
    try:
        ids = [r["id"] for r in await store.db.fetchall("SELECT id FROM members ORDER BY id")]
        return [await store.export_member(i) for i in ids]
    finally:
        await store.close()


def copy(source: str, target: str, community: str | None = None) -> int:
    return cmd_db_copy(argparse.Namespace(source=source, target=target, community=community))


@pytest.mark.postgres
async def test_copy_everything_from_sqlite_to_postgres(
    tmp_path: Path, postgres_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite:///{tmp_path / 'warmline.db'}"
    await a_community_with_history(tmp_path / "warmline.db", "c")
    target = schema_url(postgres_database, tmp_path / "target")

    assert await asyncio_run_in_thread(copy, source, target) == ExitCode.OK
    assert "row counts verified" in capsys.readouterr().out
    before, after = await counts(source), await counts(target)
    assert before == after
    assert before["checkin_prompts"] > 0 and before["deliveries"] > 0
    assert await exports(source) == await exports(target)  # the same bytes from either engine

    # Identities continue after the copied ids; a second copy into it is refused.
    store = await open_store(target)
    try:
        other = await store.communities.ensure("discord", "another")
        assert other.id > max(r["id"] for r in await store.db.fetchall(
            "SELECT id FROM communities WHERE platform_id <> 'another'"))
    finally:
        await store.close()
    assert await asyncio_run_in_thread(copy, source, target) == ExitCode.DATABASE
    assert "already holds communities" in capsys.readouterr().err


@pytest.mark.postgres
async def test_a_copy_reads_a_page_at_a_time_and_there_and_back_loses_nothing(
    tmp_path: Path, postgres_database: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pages of 3 rows (so every table takes several): SQLite → PostgreSQL → SQLite again, and
    each side holds the same rows and exports the same bytes."""
    monkeypatch.setattr("bot.store.copy._PAGE", 3)
    source = f"sqlite:///{tmp_path / 'warmline.db'}"
    await a_community_with_history(tmp_path / "warmline.db", "c")
    middle = schema_url(postgres_database, tmp_path / "middle")
    back = f"sqlite:///{tmp_path / 'back.db'}"

    assert await asyncio_run_in_thread(copy, source, middle) == ExitCode.OK
    assert await asyncio_run_in_thread(copy, middle, back) == ExitCode.OK
    before = await counts(source)
    assert max(before.values()) > 3
    assert before == await counts(middle) == await counts(back)
    assert await exports(source) == await exports(back)


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_pages_give_every_row_of_a_read_once_in_order(
    tmp_path: Path, engine: str, request: pytest.FixtureRequest,
) -> None:
    url = (f"sqlite:///{tmp_path / 'pages.db'}" if engine == "sqlite"
           else schema_url(request.getfixturevalue("postgres_database"), tmp_path / "pages"))
    store = await open_store(url)
    try:
        for n in range(12):
            await store.communities.ensure("memory", f"c{n:02d}")
        pages = [[r["platform_id"] for r in page] async for page in store.db.pages(
            "SELECT platform_id FROM communities WHERE platform = ? ORDER BY platform_id",
            ("memory",), 5)]
        assert [len(page) for page in pages] == [5, 5, 2]
        assert [c for page in pages for c in page] == [f"c{n:02d}" for n in range(12)]
    finally:
        await store.close()


@pytest.mark.postgres
async def test_copy_one_community(tmp_path: Path, postgres_database: str) -> None:
    source = f"sqlite:///{tmp_path / 'warmline.db'}"
    await a_community_with_history(tmp_path / "warmline.db", "c")
    target = schema_url(postgres_database, tmp_path / "target")
    assert await asyncio_run_in_thread(copy, source, target, "sim:c") == ExitCode.OK
    after = await counts(target)
    assert after["communities"] == 1
    assert after["members"] == (await counts(source))["members"]
    assert after["seen_events"] == 0  # not a community's
    assert await asyncio_run_in_thread(copy, source, target, "sim:nope") == ExitCode.DATABASE


def test_backup_copies_a_live_database_with_the_online_api(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "warmline.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(1000)])
    writer = sqlite3.connect(db)  # a running Warmline holding the file open
    try:
        backup = tmp_path / "backup.db"
        assert cmd_db_backup(argparse.Namespace(file=backup), f"sqlite:///{db}") == ExitCode.OK
        assert "quick_check ok" in capsys.readouterr().out
        assert oct(backup.stat().st_mode & 0o777) == "0o600"
        with sqlite3.connect(backup) as copied:
            assert copied.execute("SELECT COUNT(*) FROM t").fetchone() == (1000,)
        assert cmd_db_backup(argparse.Namespace(file=backup), f"sqlite:///{db}") \
            == ExitCode.DATABASE  # never over an existing file
        assert cmd_db_backup(argparse.Namespace(file=tmp_path / "x.db"),
                             "postgresql://w@127.0.0.1/db") == ExitCode.CONFIG
    finally:
        writer.close()


async def asyncio_run_in_thread(fn: object, *args: object) -> int:
    """The command runs its own event loop (asyncio.run), so it runs in a thread here."""
    import asyncio

    return int(await asyncio.to_thread(fn, *args))  # type: ignore[arg-type]
