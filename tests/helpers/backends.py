"""Run the store, runtime and feature suites on both engines: SQLite and PostgreSQL.

Tests open stores the way the product does (``open_sqlite(path)``, ``open_store(url)``, the
simulator with a file). On the ``postgres`` run those openers are redirected: each SQLite file a
test names becomes its own schema in one database made for this test session (dropped at the
end), so opening "the same file" twice (a restart) opens the same schema, and no two tests or
runs ever share tables.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import open as store_open
from bot.store import store as store_module
from bot.store.store import CoreStore

PG_HOST, PG_PORT = "127.0.0.1", 5432
ADMIN_URL = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/test"
UNREACHABLE = f"PostgreSQL not reachable on {PG_HOST}:{PG_PORT}"

BOTH_ENGINES = ("tests/store/", "tests/runtime/", "tests/features/")
"""Folders whose tests run on both engines."""
ONE_ENGINE = (
    "tests/store/test_database_file.py",   # the SQLite file itself: modes, damage, locks
    "tests/store/test_upgrade_in_place.py",  # SQLite databases made by older releases
    "tests/store/test_open.py",            # SQLite URLs and file paths
    "tests/runtime/test_durability.py",    # worker processes on one SQLite file
    "tests/runtime/test_workers_postgres.py",  # PostgreSQL only: several workers
    "tests/store/test_postgres.py",        # PostgreSQL only: dialect, reconnects, timeouts
    "tests/store/test_copy.py",            # from SQLite to PostgreSQL, by itself
)


def wants_both(path: str) -> bool:
    return path.startswith(BOTH_ENGINES) and not path.startswith(ONE_ENGINE)


def _admin(sql: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(ADMIN_URL, timeout=3)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def postgres_reachable() -> str | None:
    """None when the server answers, else why not."""
    try:
        _admin("SELECT 1")
    except Exception as exc:
        return f"{UNREACHABLE} ({type(exc).__name__})"
    return None


def session_database() -> Iterator[str]:
    """A database made for this test session; its URL (without a schema)."""
    problem = postgres_reachable()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{problem}: CI must run the PostgreSQL tests", pytrace=False)
        pytest.skip(problem)
    name = f"warmline_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def schema_url(database_url: str, path: str | Path) -> str:
    """The schema standing in for the SQLite file ``path`` (the same file → the same one)."""
    key = hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:20]
    return f"{database_url}?schema=t_{key}&synchronous_commit=off"


def redirect_to_postgres(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    """Every ``open_sqlite`` / ``open_store`` a test or the simulator calls opens a schema."""
    real_sqlite = store_module.open_sqlite
    real_store = store_open.open_store

    async def open_sqlite(path: str | Path) -> CoreStore:
        return await store_module.open_postgres(schema_url(database_url, path))

    async def open_store(url: str) -> CoreStore:
        if store_open.is_postgres(url):
            return await store_module.open_postgres(url)
        return await open_sqlite(store_open.sqlite_path(url))

    for module in list(sys.modules.values()):
        if getattr(module, "open_sqlite", None) is real_sqlite:
            monkeypatch.setattr(module, "open_sqlite", open_sqlite)
        if getattr(module, "open_store", None) is real_store:
            monkeypatch.setattr(module, "open_store", open_store)
