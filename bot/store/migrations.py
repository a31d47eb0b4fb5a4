"""Numbered schema migrations for the SQLite store.

Each file ``bot/store/migrations/NNNN_name.sql`` is one migration. They are applied in number
order, each in its own transaction, and recorded in ``schema_version``, so a feature adds its
tables by dropping in the next file (``0002_checkins.sql``) with no change here.

The ``schema_version`` row is inserted *first* inside the migration's transaction: if two
processes migrate the same file at once, the second one's insert hits the primary key and its
whole transaction (DDL included) rolls back, so no migration ever runs twice.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

import aiosqlite

log = logging.getLogger(__name__)

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def available() -> list[Migration]:
    """Every migration shipped in the package, in order. Numbers must be unique."""
    folder = resources.files("bot.store").joinpath("migrations")
    found: dict[int, Migration] = {}
    for entry in folder.iterdir():
        match = _FILE.match(entry.name)
        if match is None:
            continue
        version = int(match.group(1))
        if version in found:
            raise RuntimeError(
                f"two migrations share number {version:04d}: "
                f"{found[version].name} and {match.group(2)}"
            )
        found[version] = Migration(version, match.group(2), entry.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


async def current_version(conn: aiosqlite.Connection) -> int:
    await conn.execute(_VERSION_TABLE)
    async with conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row is not None else 0


async def migrate(conn: aiosqlite.Connection) -> int:
    """Apply every migration newer than the database; return the resulting version.

    ``conn`` must be in autocommit mode (``isolation_level=None``): the transactions here are
    explicit.
    """
    version = await current_version(conn)
    for migration in available():
        if migration.version <= version:
            continue
        # executescript() commits anything pending first, so the transaction lives in the script.
        script = (
            "BEGIN IMMEDIATE;\n"
            "INSERT INTO schema_version (version, name, applied_at) VALUES "
            f"({migration.version}, '{migration.name}', "
            "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'));\n"
            f"{migration.sql}\n;\nCOMMIT;"
        )
        try:
            await conn.executescript(script)
        except sqlite3.IntegrityError:
            await _rollback(conn)
            if await current_version(conn) < migration.version:
                log.error("migration %04d_%s failed", migration.version, migration.name)
                raise
            log.info("migration %04d was applied by another process", migration.version)
        except Exception:
            await _rollback(conn)
            log.error("migration %04d_%s failed", migration.version, migration.name)
            raise
        else:
            log.info("applied migration %04d_%s", migration.version, migration.name)
        version = migration.version
    return await current_version(conn)


async def _rollback(conn: aiosqlite.Connection) -> None:
    if conn.in_transaction:
        await conn.execute("ROLLBACK")
