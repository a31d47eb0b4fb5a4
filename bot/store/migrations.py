"""Numbered schema migrations, one stream per component (the core, and each feature with data).

Why streams: a feature owns its tables, so it owns their migrations too, in its own folder
(``<package>/migrations/NNNN_name.sql``), numbered from 1 on its own. Adding a feature never
renumbers anyone else's files, and ``bot/store`` never names a feature. Each applied migration is
recorded as ``(component, version)`` in ``schema_migrations``; the core stream runs first, then
the features' streams in registration order (feature tables reference ``members``).

Upgrading in place: databases made before streams recorded one global number per file in the
table ``schema_version`` (0001–0005). A stream says which of those old numbers its own files were
(``legacy``), and adopts them the first time it runs, so nothing is applied twice and nothing is
lost. The old table is left as it was, as history.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType

from bot.store.db import Db
from bot.store.sqlite_db import StoreRefused

log = logging.getLogger(__name__)

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)(\.postgres)?\.sql$")

_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    component  TEXT NOT NULL,
    version    INTEGER NOT NULL,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (component, version)
)
"""
_LEGACY_TABLE = "schema_version"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


@dataclass(frozen=True, slots=True)
class MigrationStream:
    """Where one component's migrations live: ``<package>/migrations/NNNN_name.sql``."""

    component: str
    package: str
    legacy: Mapping[int, int] = field(default_factory=lambda: MappingProxyType({}))
    """This stream's version → the global number the same file had before streams existed."""

    def available(self, dialect: str = "sqlite") -> list[Migration]:
        """Every migration shipped for this component, in order. Numbers must be unique.

        A file ``NNNN_name.postgres.sql`` replaces ``NNNN_name.sql`` on PostgreSQL (for the
        rare migration the shared SQL cannot express); other engines ignore it."""
        folder = resources.files(self.package).joinpath("migrations")
        found: dict[int, Migration] = {}
        variants: dict[int, Migration] = {}
        for entry in folder.iterdir():
            match = _FILE.match(entry.name)
            if match is None:
                continue
            version = int(match.group(1))
            if match.group(3):
                variants[version] = Migration(version, match.group(2),
                                              entry.read_text(encoding="utf-8"))
                continue
            if version in found:
                raise RuntimeError(
                    f"{self.component}: two migrations share number {version:04d}: "
                    f"{found[version].name} and {match.group(2)}"
                )
            found[version] = Migration(version, match.group(2), entry.read_text(encoding="utf-8"))
        if dialect == "postgresql":
            found.update({v: m for v, m in variants.items() if v in found})
        return [found[v] for v in sorted(found)]


CORE = MigrationStream("core", "bot.store", legacy=MappingProxyType({1: 1, 2: 3, 3: 4}))
"""The core tables: communities, members, channels, jobs, deliveries, seen events, audit."""


async def versions(db: Db) -> dict[str, int]:
    """The latest applied version of every component."""
    await db.execute(_TABLE)
    rows = await db.fetchall(
        "SELECT component, MAX(version) AS version FROM schema_migrations GROUP BY component"
    )
    return {str(r["component"]): int(r["version"]) for r in rows}


class SchemaTooNew(StoreRefused):
    """The database was migrated by a newer Warmline than this one (a rollback without
    restoring the backup): starting on it could write rows its schema no longer accepts."""


async def migrate(db: Db, stream: MigrationStream) -> int:
    """Apply every migration of ``stream`` newer than the database; return its version.
    Refuses (:class:`SchemaTooNew`) a database this version's migrations are older than."""
    await db.execute(_TABLE)
    await _adopt_legacy(db, stream)
    current = (await versions(db)).get(stream.component, 0)
    shipped = stream.available(db.dialect)
    known = max((m.version for m in shipped), default=0)
    if current > known:
        raise SchemaTooNew(
            f"the database was upgraded by a newer Warmline ({stream.component} schema "
            f"{current}; this version knows up to {known}): run the newer version, or restore "
            "the backup taken before the upgrade (docs/operations.md, Rolling back)")
    for migration in shipped:
        if migration.version <= current:
            continue
        try:
            applied = await db.apply_migration(stream.component, migration.version,
                                               migration.name, migration.sql)
        except Exception:
            log.error("migration %s %04d_%s failed", stream.component, migration.version,
                      migration.name)
            raise
        if applied:
            log.info("applied migration %s %04d_%s", stream.component, migration.version,
                     migration.name)
        else:
            log.info("migration %s %04d was applied by another process", stream.component,
                     migration.version)
        current = migration.version
    return current


async def _adopt_legacy(db: Db, stream: MigrationStream) -> None:
    """Record the stream's files that a pre-stream database already applied (once)."""
    if not stream.legacy:
        return
    if _LEGACY_TABLE not in {t.name for t in await db.tables()}:
        return
    async with db.transaction() as tx:
        if await tx.fetchone("SELECT 1 FROM schema_migrations WHERE component = ?",
                             (stream.component,)):
            return
        old = {int(r["version"]): r for r in await tx.fetchall(
            f"SELECT version, name, applied_at FROM {_LEGACY_TABLE}")}
        adopted = [(stream.component, mine, old[was]["name"], old[was]["applied_at"])
                   for mine, was in sorted(stream.legacy.items()) if was in old]
        await tx.executemany(
            "INSERT INTO schema_migrations (component, version, name, applied_at) "
            "VALUES (?, ?, ?, ?)", adopted,
        )
    if adopted:
        log.info("%s: adopted %d migrations from the old numbering", stream.component,
                 len(adopted))
