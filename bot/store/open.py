"""Open a store from one configuration string, so deployments choose persistence by URL.

``sqlite:///relative.db`` (relative to the working directory), ``sqlite:////abs/path.db`` and a
bare path all mean SQLite. ``postgresql://user@host:port/database`` (or ``postgres://``) means
PostgreSQL, through asyncpg (the ``postgres`` extra); ``?schema=name`` keeps the tables in one
schema of that database.

:func:`lock_database` is what keeps two ``warmline run`` processes off one file: both would run
the same due check-ins (the delivery table keeps them from sending twice, but each would answer
the same events, and "the bot answers twice" is all a member sees). Only ``warmline run`` takes
it; the simulator, ``db migrate`` and tests may open a file twice in one process.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from bot.store.base import Store
from bot.store.sqlite_db import FILE_MODE, StoreRefused
from bot.store.store import open_postgres, open_sqlite

__all__ = ["DatabaseInUse", "DatabaseLock", "StoreRefused", "is_postgres", "lock_database",
           "open_store", "sqlite_path"]

LOCK_SUFFIX = ".lock"

_SQLITE = "sqlite:///"


def is_postgres(url: str) -> bool:
    scheme, sep, _ = url.strip().partition("://")
    return bool(sep) and scheme.lower() in {"postgresql", "postgres"}


def check_postgres_url(url: str) -> None:
    """ValueError naming the fix for a PostgreSQL URL that cannot work."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    if not parts.hostname or not parts.path.strip("/"):
        raise ValueError("a PostgreSQL store URL needs a host and a database, e.g. "
                         "postgresql://warmline@127.0.0.1:5432/warmline")
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        raise ValueError("a postgresql:// store needs asyncpg: pip install 'warmline[postgres]'"
                         ) from None


def sqlite_path(url: str) -> Path:
    """The file a SQLite URL or bare path names; ValueError for anything else (a PostgreSQL
    URL included: it names no file)."""
    url = url.strip()
    if not url:
        raise ValueError("the store URL is empty; use e.g. sqlite:///warmline.db")
    scheme, sep, _ = url.partition("://")
    if is_postgres(url):
        raise ValueError("a PostgreSQL URL names no SQLite file")
    if url.startswith(_SQLITE):
        rest = url[len(_SQLITE):]
        if not rest or rest == ":memory:":
            raise ValueError("a sqlite URL needs a file path, e.g. sqlite:///warmline.db")
        return Path(rest)
    if sep:
        raise ValueError(
            f"unsupported store URL scheme {scheme!r}; use sqlite:///path.db or a file path"
        )
    if url == ":memory:":
        raise ValueError("the store needs a file: an in-memory database forgets on restart")
    return Path(url)


async def open_store(url: str) -> Store:
    """Open and migrate the store ``url`` names."""
    if is_postgres(url):
        check_postgres_url(url)
        return await open_postgres(url.strip())
    return await open_sqlite(sqlite_path(url))


class DatabaseInUse(StoreRefused):
    """Another process holds the database's lock file."""

    def __init__(self, message: str, pid: int | None) -> None:
        super().__init__(message)
        self.pid = pid


@dataclass(slots=True)
class DatabaseLock:
    """An exclusive ``flock`` on ``<database>.lock``, held until :meth:`release` or the end of
    the process (the kernel drops it when the process dies, even by SIGKILL, so a crash never
    leaves a stale lock; the file itself stays, harmlessly)."""

    path: Path
    fd: int | None

    def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)  # closing the last descriptor releases the flock


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + LOCK_SUFFIX)


def lock_database(database: Path) -> DatabaseLock:
    """Take the exclusive lock for ``database`` (the lock file is created 0600 and records this
    process's id), or raise :class:`DatabaseInUse` naming the file and the other process."""
    path = lock_path(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    except OSError as exc:
        raise StoreRefused(
            f"cannot create the lock file {path} ({exc.strerror or type(exc).__name__}); the "
            f"folder {path.parent} must be writable for the user running Warmline (the database "
            "and its -wal and -shm files live there too)") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        pid = _read_pid(fd)
        os.close(fd)
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
            raise StoreRefused(f"cannot lock {path} ({exc.strerror}); the folder must be on a "
                               "local file system that supports flock") from None
        who = f" (process {pid})" if pid else ""
        raise DatabaseInUse(
            f"another Warmline{who} is already running on the database {database} (it holds "
            f"{path}); stop that one first, or give this one its own store.url", pid) from None
    with contextlib.suppress(OSError):
        os.fchmod(fd, FILE_MODE)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return DatabaseLock(path, fd)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
