"""Open a store from one configuration string, so deployments choose persistence by URL.

``sqlite:///relative.db`` (relative to the working directory), ``sqlite:////abs/path.db`` and a
bare path all mean SQLite. PostgreSQL arrives in a later release.
"""

from __future__ import annotations

from pathlib import Path

from bot.store.base import Store
from bot.store.store import open_sqlite

_SQLITE = "sqlite:///"


def sqlite_path(url: str) -> Path:
    """The file a SQLite URL or bare path names; ValueError for anything else."""
    url = url.strip()
    if not url:
        raise ValueError("the store URL is empty; use e.g. sqlite:///warmline.db")
    scheme, sep, _ = url.partition("://")
    if sep and scheme.lower() in {"postgresql", "postgres"}:
        raise ValueError(
            "PostgreSQL is not available yet; use a SQLite URL such as sqlite:///warmline.db"
        )
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
    return await open_sqlite(sqlite_path(url))
