"""What this release can serve, checked apart from what the file may say.

Why apart from the schema: a ``postgresql://`` URL is valid configuration, but it needs the
``postgres`` extra (asyncpg) installed, and a database named in it. ``warmline check-config``
and ``warmline run`` both ask :func:`not_yet_supported`, so check-config never says OK to a file
``run`` would then refuse.
"""

from __future__ import annotations

import importlib.util
from urllib.parse import urlsplit

from bot.config.schema import Settings


def not_yet_supported(settings: Settings) -> list[str]:
    """One line per part of ``settings`` this release cannot run, saying what to use instead."""
    problems: list[str] = []
    scheme = urlsplit(settings.store.url).scheme.lower()
    if scheme in ("postgresql", "postgres"):
        parts = urlsplit(settings.store.url)
        if not parts.hostname or not parts.path.strip("/"):
            problems.append(
                f"store.url = {settings.store.redacted_url!r}: a PostgreSQL URL needs a host and "
                "a database, e.g. url = 'postgresql://warmline@127.0.0.1:5432/warmline' (or set "
                "WARMLINE_DATABASE_URL)")
        elif importlib.util.find_spec("asyncpg") is None:
            problems.append(
                f"store.url = {settings.store.redacted_url!r}: a PostgreSQL store needs asyncpg; "
                "install it with: pip install 'warmline[postgres]'")
    if settings.store.url.strip() in ("sqlite:///:memory:", ":memory:"):
        problems.append(
            "store.url = 'sqlite:///:memory:': an in-memory database forgets every member at each "
            "restart; use a file, e.g. url = 'sqlite:///warmline.db'")
    return problems
