"""Installing Warmline in many workspaces: bolt's installation store and OAuth state store over
Warmline's own database.

Why over the :class:`~bot.store.db.Db` seam: the installations are Warmline's data like any
other, so they live in the same database as the communities they belong to (one backup, one
place to delete from) and work on every store backend the seam does. The tables are the adapter's
own, in a migration stream of its own (``adapters/slack/migrations``), the way a feature owns its
tables. Tokens are stored (Slack's OAuth gives them nowhere else) and never logged.

Uninstalling (``app_uninstalled``, ``tokens_revoked``) deletes the installation here and the
community's data through the store (:meth:`~bot.store.base.Store.delete_community`).
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.store.db import Db, from_db, to_db
from bot.store.migrations import MigrationStream

__all__ = ["MIGRATIONS", "DbInstallationStore", "DbStateStore"]

log = logging.getLogger(__name__)

MIGRATIONS = MigrationStream("slack", "adapters.slack")
STATE_TTL = timedelta(minutes=10)


def _key(enterprise_id: str | None, team_id: str | None) -> str:
    return f"{enterprise_id or ''}:{team_id or ''}"


class DbInstallationStore(AsyncInstallationStore):
    """Bot-scope installations, one row per workspace (or org install)."""

    def __init__(self, db: Db) -> None:
        self.db = db

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        team_id = None if installation.is_enterprise_install else installation.team_id
        data = json.dumps(installation.to_dict_for_copying(), default=str)
        await self.db.execute(
            "INSERT INTO slack_installations (team_key, team_id, enterprise_id, data, installed_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (team_key) DO UPDATE SET data = excluded.data, "
            "installed_at = excluded.installed_at",
            (_key(installation.enterprise_id, team_id), installation.team_id,
             installation.enterprise_id, data, to_db(datetime.now(UTC))))
        log.info("slack: installed in workspace %s", installation.team_id)

    async def async_save_bot(self, bot: Bot) -> None:
        raise NotImplementedError("installations are saved whole (async_save)")

    async def async_find_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        if is_enterprise_install:
            team_id = None
        row = await self.db.fetchone("SELECT data FROM slack_installations WHERE team_key = ?",
                                     (_key(enterprise_id, team_id),))
        if row is None:
            return None
        data: dict[str, Any] = json.loads(row["data"])
        data.pop("installed_at", None)
        return Installation(**data)

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        installation = await self.async_find_installation(
            enterprise_id=enterprise_id, team_id=team_id,
            is_enterprise_install=is_enterprise_install)
        return installation.to_bot() if installation is not None else None

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
    ) -> None:
        await self.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.db.execute("DELETE FROM slack_installations WHERE team_key = ?",
                              (_key(enterprise_id, team_id),))

    async def installed(self) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) AS n FROM slack_installations")
        return int(row["n"]) if row is not None else 0


class DbStateStore(AsyncOAuthStateStore):
    """OAuth ``state`` values: issued when an install starts, consumed once at the redirect."""

    def __init__(self, db: Db, ttl: timedelta = STATE_TTL) -> None:
        self.db = db
        self.ttl = ttl

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        now = datetime.now(UTC)
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM slack_oauth_states WHERE expires_at < ?", (to_db(now),))
            await tx.execute("INSERT INTO slack_oauth_states (state, expires_at) VALUES (?, ?)",
                             (state, to_db(now + self.ttl)))
        return state

    async def async_consume(self, state: str) -> bool:
        async with self.db.transaction() as tx:
            row = await tx.fetchone("DELETE FROM slack_oauth_states WHERE state = ? "
                                    "RETURNING expires_at", (state,))
        return row is not None and from_db(row["expires_at"]) > datetime.now(UTC)
