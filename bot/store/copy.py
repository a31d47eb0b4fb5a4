"""Moving up: copy a store into another (SQLite → PostgreSQL, or back), and back up a SQLite file.

:func:`copy_store` copies every table the two stores share, or one community's rows, in
foreign-key order, a page of rows at a time (:meth:`bot.store.db.Db.pages`: memory stays flat
however large a table is), inside ONE transaction on the target, and then counts: the same filter on
both sides must give the same number of rows per table, or the copy is rolled back. It goes
through the :class:`bot.store.db.Db` seam, so instants and JSON are copied as the text they are
(an export reads the same from either engine). :func:`backup_sqlite` uses SQLite's online backup
API, so a running Warmline can keep writing while the copy is taken.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.store.db import Db, TableInfo
from bot.store.migrations import CORE, MigrationStream, migrate
from bot.store.sqlite_db import FILE_MODE

_SKIP = {"schema_migrations", "schema_version"}
"""Each database records its own migrations (both were migrated by the same streams)."""
_PAGE = 5_000


class CopyRefused(Exception):
    """The copy cannot be made as asked (the message says why and what to do)."""


@dataclass(slots=True)
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)
    """Table → rows copied (and counted again on both sides)."""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ordered(tables: Sequence[TableInfo]) -> list[TableInfo]:
    """Parents before children (by foreign keys)."""
    by_name = {t.name: t for t in tables}
    done: list[TableInfo] = []
    seen: set[str] = set()

    def visit(t: TableInfo, path: frozenset[str]) -> None:
        if t.name in seen or t.name in path:
            return
        for fk in t.foreign_keys:
            if fk.table in by_name and fk.table != t.name:
                visit(by_name[fk.table], path | {t.name})
        seen.add(t.name)
        done.append(t)

    for t in sorted(tables, key=lambda t: t.name):
        visit(t, frozenset())
    return done


def _community_filters(tables: Sequence[TableInfo]) -> dict[str, str]:
    """Table → a WHERE clause (one ``?``: the community id) selecting one community's rows.
    Tables with no way to a community (seen events, installs) have none and are not copied."""
    filters: dict[str, str] = {"communities": "id = ?"}
    for t in _ordered(tables):
        if t.name in filters:
            continue
        if "community_id" in t.columns:
            filters[t.name] = "community_id = ?"
            continue
        for fk in t.foreign_keys:
            parent = filters.get(fk.table)
            if parent is not None:
                filters[t.name] = (f"{_q(fk.column)} IN (SELECT {_q(fk.to)} FROM {_q(fk.table)} "
                                   f"WHERE {parent})")
                break
    return filters


async def _count(db: Db, table: str, where: str | None, params: tuple[Any, ...]) -> int:
    sql = f"SELECT COUNT(*) FROM {_q(table)}" + (f" WHERE {where}" if where else "")
    row = await db.fetchone(sql, params)
    return 0 if row is None else int(row[0])


async def copy_store(source: Db, target: Db, streams: Sequence[MigrationStream] = (), *,
                     community: tuple[str, str] | None = None) -> CopyReport:
    """Copy ``source`` into ``target`` (both migrated first by CORE and ``streams``): every
    row, or only those of ``community`` (platform, platform id). The target must not hold the
    rows already (a community copy into a database with other communities may meet their ids:
    then nothing is copied and :class:`CopyRefused` says so)."""
    for db in (source, target):
        await migrate(db, CORE)
        for stream in streams:
            await migrate(db, stream)
    source_tables = {t.name: t for t in await source.tables() if t.name not in _SKIP}
    target_tables = {t.name: t for t in await target.tables() if t.name not in _SKIP}
    missing = sorted(set(source_tables) - set(target_tables))
    if missing:
        raise CopyRefused(f"the target has no table {', '.join(missing)}; migrate it with the "
                          "same Warmline version and adapters first (warmline db migrate)")
    order = _ordered([source_tables[name] for name in source_tables])
    params: tuple[Any, ...] = ()
    filters: dict[str, str] = {}
    if community is not None:
        row = await source.fetchone(
            "SELECT id FROM communities WHERE platform = ? AND platform_id = ?", community)
        if row is None:
            raise CopyRefused(f"the source has no community {community[0]}:{community[1]}")
        params = (int(row[0]),)
        filters = _community_filters(order)
        order = [t for t in order if t.name in filters]
    else:
        if await _count(target, "communities", None, ()):
            raise CopyRefused("the target already holds communities; copy everything into an "
                              "empty database, or one community with --community")
    report = CopyReport()
    try:
        async with target.transaction() as tx:
            for table in order:
                where = filters.get(table.name)
                columns = [c for c in table.columns if c in target_tables[table.name].columns]
                names = ", ".join(_q(c) for c in columns)
                marks = ", ".join("?" for _ in columns)
                # A page at a time: a table of millions of rows is never all in memory.
                copied = 0
                async for rows in source.pages(
                        f"SELECT {names} FROM {_q(table.name)}"
                        + (f" WHERE {where}" if where else ""), params, _PAGE):
                    await tx.executemany(
                        f"INSERT INTO {_q(table.name)} ({names}) VALUES ({marks})",
                        [tuple(r[c] for c in columns) for r in rows])
                    copied += len(rows)
                report.rows[table.name] = copied
                # Counted again inside the same transaction: what the target now holds.
                counted = await tx.fetchone(
                    f"SELECT COUNT(*) FROM {_q(table.name)}" + (f" WHERE {where}" if where else ""),
                    params)
                if counted is None or int(counted[0]) != copied:
                    raise CopyRefused(f"{table.name}: copied {copied} rows but the target "
                                      f"holds {0 if counted is None else counted[0]}; rolled back")
            if target.dialect == "postgresql":
                for table in order:  # identities continue after the copied ids
                    if "id" in table.columns:
                        await tx.execute(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"GREATEST((SELECT MAX(id) FROM {_q(table.name)}), 1)) "
                            f"WHERE pg_get_serial_sequence('{table.name}', 'id') IS NOT NULL")
    except CopyRefused:
        raise
    except Exception as exc:
        if "unique" in str(exc).lower() or "constraint" in str(exc).lower():
            raise CopyRefused(f"the target already holds some of these rows ({type(exc).__name__}); "
                              "nothing was copied") from exc
        raise
    # And once more after the commit, from the target's own committed state.
    for table in order:
        where = filters.get(table.name)
        if await _count(target, table.name, where, params) != report.rows[table.name]:
            raise CopyRefused(f"{table.name}: the target's row count differs after the copy")
    return report


def backup_sqlite(database: Path, backup: Path) -> int:
    """Copy the SQLite ``database`` to ``backup`` (a new file, 0600) with SQLite's online backup
    API, while Warmline may keep running, and check the copy (``quick_check``). Returns the
    number of pages copied."""
    if backup.exists():
        raise CopyRefused(f"{backup} already exists; choose a new file name")
    if not database.is_file():
        raise CopyRefused(f"there is no database file {database}")
    fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    os.close(fd)
    try:
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(backup)
            try:
                source.backup(target, pages=1024)
                pages = int(target.execute("PRAGMA page_count").fetchone()[0])
                check = [str(r[0]) for r in target.execute("PRAGMA quick_check").fetchall()]
                if check != ["ok"]:
                    raise CopyRefused(f"the backup {backup} failed its check: {check[:1]}")
            finally:
                target.close()
        finally:
            source.close()
    except BaseException:
        backup.unlink(missing_ok=True)
        raise
    return pages


async def backup_sqlite_async(database: Path, backup: Path) -> int:
    return await asyncio.to_thread(backup_sqlite, database, backup)
