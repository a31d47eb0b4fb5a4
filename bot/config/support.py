"""What this release can serve, checked apart from what the file may say.

Why apart from the schema: ``postgresql://`` is valid configuration (the schema and its checks
are ready for it, and tests parse it), but this release has no PostgreSQL store.
``warmline check-config`` and ``warmline run`` both ask
:func:`not_yet_supported`, so check-config never says OK to a file ``run`` would then refuse.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.config.schema import Settings


def not_yet_supported(settings: Settings) -> list[str]:
    """One line per part of ``settings`` this release cannot run, saying what to use instead."""
    problems: list[str] = []
    scheme = urlsplit(settings.store.url).scheme.lower()
    if scheme in ("postgresql", "postgres"):
        problems.append(
            f"store.url = {settings.store.redacted_url!r}: PostgreSQL is not built yet in this "
            "release; use SQLite, e.g. url = 'sqlite:///warmline.db' (one file; see "
            "docs/operations.md for backups)")
    if settings.store.url.strip() in ("sqlite:///:memory:", ":memory:"):
        problems.append(
            "store.url = 'sqlite:///:memory:': an in-memory database forgets every member at each "
            "restart; use a file, e.g. url = 'sqlite:///warmline.db'")
    return problems
