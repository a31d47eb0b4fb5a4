"""``warmline db copy`` and ``warmline db backup``: moving up from SQLite, and backing it up.

Kept apart from :mod:`bot.cli` (which only parses and dispatches) and from :mod:`bot.store`
(which names no feature): the copy needs every migration stream, the features' included.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys

from bot.exit_codes import ExitCode
from bot.features.registry import FEATURES
from bot.store.copy import CopyRefused, backup_sqlite, copy_store
from bot.store.migrations import MigrationStream
from bot.store.open import StoreRefused, is_postgres, open_store, sqlite_path

ADAPTER_STREAMS = {"slack": ("adapters.slack.install", "MIGRATIONS")}
"""Adapters that keep tables of their own (found by name: bot/ imports no adapter)."""


def _redacted(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


async def _streams(components: set[str]) -> list[MigrationStream]:
    streams = [f.migrations for f in FEATURES if f.migrations is not None]
    for name, (module, attribute) in ADAPTER_STREAMS.items():
        if name in components:
            streams.append(getattr(importlib.import_module(module), attribute))
    return streams


def cmd_db_copy(args: argparse.Namespace) -> int:
    community: tuple[str, str] | None = None
    if args.community:
        platform, sep, platform_id = args.community.partition(":")
        if not sep or not platform or not platform_id:
            print("warmline: --community takes PLATFORM:ID, e.g. discord:123456789",
                  file=sys.stderr)
            return ExitCode.CONFIG
        community = (platform, platform_id)

    async def go() -> dict[str, int]:
        source = await open_store(args.source)
        try:
            target = await open_store(args.target)
            try:
                components = set(await source.schema_versions())
                report = await copy_store(source.db, target.db, await _streams(components),
                                          community=community)
                return report.rows
            finally:
                await target.close()
        finally:
            await source.close()

    try:
        rows = asyncio.run(go())
    except (CopyRefused, StoreRefused, ValueError) as exc:
        print(f"warmline: {exc}", file=sys.stderr)
        return ExitCode.DATABASE
    what = f"community {args.community}" if args.community else "everything"
    print(f"copied {what} from {_redacted(args.source)} to {_redacted(args.target)}; "
          "row counts verified:")
    for table, count in rows.items():
        print(f"  {table}: {count}")
    return ExitCode.OK


def cmd_db_backup(args: argparse.Namespace, url: str) -> int:
    if is_postgres(url):
        print("warmline: db backup copies a SQLite file; for PostgreSQL use pg_dump "
              "(docs/operations.md)", file=sys.stderr)
        return ExitCode.CONFIG
    try:
        pages = backup_sqlite(sqlite_path(url), args.file)
    except (CopyRefused, ValueError) as exc:
        print(f"warmline: {exc}", file=sys.stderr)
        return ExitCode.DATABASE
    print(f"backed up {sqlite_path(url)} to {args.file} ({pages} pages, quick_check ok)")
    return ExitCode.OK
