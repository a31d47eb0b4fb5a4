"""Slack user groups as people's roles: what ``Actor.roles`` holds on Slack.

Why: the core decides who moderates and who supports from roles (``warmline setup role``,
``[community] supporter_roles``), and Slack's nearest thing is a user group (``@supporters``).
``/warmline setup role supporters @supporters`` arrives with the group's id (``S…``, see
:mod:`adapters.slack.commands`), and each person's roles are the ids of the groups they are in.
The adapter only reports membership; what a role may do stays the core's decision.

One ``usergroups.list`` (with its members) per workspace, kept for :data:`GROUPS_TTL` and read
again after Slack says a group changed (``subteam_created``, ``subteam_updated``,
``subteam_members_changed``). Commands, buttons and forms wait for the first read; a message
never does (the hot path): until the read is done, a message's author has no roles. A workspace
without user groups (Slack's free plan answers ``paid_only``) or without the ``usergroups:read``
scope simply has none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["GROUPS_TTL", "UserGroups"]

log = logging.getLogger(__name__)

GROUPS_TTL = 600.0
"""Seconds one workspace's groups are used before they are read again."""


class UserGroups:
    def __init__(self, ttl: float = GROUPS_TTL) -> None:
        self.ttl = ttl
        self._teams: dict[str | None, tuple[float, dict[str, tuple[str, ...]]]] = {}
        self._loading: dict[str | None, asyncio.Task[None]] = {}
        self.reads = 0

    def _fresh(self, team: str | None) -> dict[str, tuple[str, ...]] | None:
        found = self._teams.get(team)
        if found is None or time.monotonic() - found[0] > self.ttl:
            return None
        return found[1]

    def roles_now(self, client: AsyncWebClient, team: str | None, user: str) -> tuple[str, ...]:
        """The groups ``user`` is in, from memory; a read starts in the background when the
        workspace's are not known (or old), and this answers with what is known meanwhile."""
        fresh = self._fresh(team)
        if fresh is None:
            self._start(client, team)
            found = self._teams.get(team)
            return found[1].get(user, ()) if found is not None else ()
        return fresh.get(user, ())

    async def roles(self, client: AsyncWebClient, team: str | None, user: str) -> tuple[str, ...]:
        """The groups ``user`` is in, reading the workspace's first when they are not known."""
        fresh = self._fresh(team)
        if fresh is None:
            await asyncio.shield(self._start(client, team))
            fresh = self._fresh(team) or {}
        return fresh.get(user, ())

    def forget(self, team: str | None) -> None:
        """A group changed in ``team``: read them again when next needed (what is known is
        used until then)."""
        found = self._teams.get(team)
        if found is not None:
            self._teams[team] = (float("-inf"), found[1])

    def _start(self, client: AsyncWebClient, team: str | None) -> asyncio.Task[None]:
        task = self._loading.get(team)
        if task is None or task.done():
            task = asyncio.create_task(self._read(client, team), name="slack-usergroups")
            self._loading[team] = task
        return task

    async def _read(self, client: AsyncWebClient, team: str | None) -> None:
        members: dict[str, list[str]] = {}
        try:
            # The client is the workspace's own (its bot token): no team_id, which is for
            # org-wide tokens.
            response = await client.usergroups_list(include_users=True)
            self.reads += 1
            for group in response.get("usergroups") or ():
                if group.get("date_delete"):
                    continue
                for user in group.get("users") or ():
                    members.setdefault(str(user), []).append(str(group["id"]))
        except SlackApiError as exc:
            log.info("slack: no user groups in workspace %s (%s)", team,
                     exc.response.get("error"))
        except Exception as exc:  # out of reach: no roles until the next read
            log.warning("slack: reading user groups failed (%s)", type(exc).__name__)
        self._teams[team] = (time.monotonic(), {u: tuple(g) for u, g in members.items()})

    async def close(self) -> None:
        tasks = [t for t in self._loading.values() if not t.done()]
        self._loading.clear()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
