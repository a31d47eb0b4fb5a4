"""The core Store interface: the core tables, what features may ask of them, and nothing about SQL.

It names no feature: a feature with data owns its repository and migrations in its own folder.

Rules every implementation keeps:
- instants are stored and returned as timezone-aware UTC datetimes;
- no message text is ever stored (notes a member writes on purpose are the one exception, and
  are theirs to export and delete);
- every row about a member is reachable from ``export_member`` and removed by ``delete_member``;
- writes that must be atomic (claiming a job occurrence) happen in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.model import Claim, Community, Delivery, Finished, Job, Member, Outcome, Start
from bot.store.db import Db
from bot.store.deferred import DeferredRepository
from bot.store.migrations import MigrationStream


class CommunityRepo(Protocol):
    async def ensure(self, platform: str, platform_id: str, name: str | None = None) -> Community: ...
    async def get(self, community_id: int) -> Community | None: ...
    async def get_many(self, community_ids: Sequence[int]) -> dict[int, Community]:
        """The communities that exist among ``community_ids``, by id (one query per 500)."""
        ...
    async def find(self, platform: str, platform_id: str) -> Community | None: ...
    async def update_settings(self, community_id: int, changes: dict[str, Any]) -> Community: ...
    async def list(self) -> list[Community]: ...


class MemberRepo(Protocol):
    async def ensure(
        self, community_id: int, platform_user_id: str, *, display_name: str | None = None,
        now: datetime,
    ) -> Member: ...
    async def get(self, member_id: int) -> Member | None: ...
    async def get_many(self, member_ids: Sequence[int]) -> dict[int, Member]:
        """The members that exist among ``member_ids``, by id (one query per 500)."""
        ...
    async def find(self, community_id: int, platform_user_id: str) -> Member | None: ...
    async def find_everywhere(self, platform: str, platform_user_id: str) -> list[Member]: ...
    async def update(self, member_id: int, **changes: Any) -> Member:
        """Change any of: display_name, timezone, quiet_hours, roles, reachable,
        unreachable_reason, dm_channel."""
        ...
    async def remember_dm_channels(self, channels: Sequence[tuple[int, str]]) -> None:
        """(member id, private conversation id) pairs learned by a round of sends: one
        statement for all of them (a fan-out's first round learns one per member)."""
        ...
    async def list(self, community_id: int) -> list[Member]: ...


class ChannelRepo(Protocol):
    async def set_purpose(self, community_id: int, purpose: str, channel_id: str | None) -> None:
        """Name the channel that serves ``purpose`` (``"support"``, ``"moderators"``, or one a
        feature names); None clears it."""
        ...
    async def for_purpose(self, community_id: int, purpose: str) -> str | None: ...
    async def all(self, community_id: int) -> dict[str, str]: ...


class JobRepo(Protocol):
    async def upsert(
        self, *, kind: str, subject: str, community_id: int | None, member_id: int | None,
        rule: str | None, zone: str, next_run: datetime, payload: dict[str, Any] | None = None,
    ) -> Job: ...
    async def get(self, kind: str, subject: str) -> Job | None: ...
    async def delete(self, kind: str, subject: str) -> bool: ...
    async def delete_for_member(self, member_id: int) -> int: ...
    async def next_due_time(self) -> datetime | None:
        """The earliest ``next_run`` of any job: an index lookup, never a scan."""
        ...
    async def claim_due(self, now: datetime, limit: int) -> list[Claim]:
        """In one transaction: for up to ``limit`` jobs due at ``now`` (earliest first), record a
        ``claimed`` (queued, not yet started) delivery for the latest missed occurrence and
        advance ``next_run`` past ``now``. An occurrence already recorded is never returned
        again."""
        ...
    async def claim_and_start(self, now: datetime, limit: int) -> list[Claim]:
        """:meth:`claim_due` with the occurrences started at once (``sending``, with their
        lease), for a caller that runs them in the same unit of work: claiming, starting and
        what their runners write then commit together, or not at all."""
        ...
    async def queued(self, limit: int) -> list[Claim]:
        """Up to ``limit`` occurrences left ``claimed`` (a crash, or a failed tick, after the
        claim and before they were started), oldest occurrence first. Reading them grants
        nothing: only :meth:`advance` starting one does."""
        ...
    async def advance(self, finish: Finished | None, start: Start | None,
                      now: datetime) -> bool:
        """In ONE transaction: record the outcome of the occurrence ``finish`` names (only a
        ``sending`` row changes) and move ``start`` from ``claimed`` to ``sending``. Returns True
        only if ``start`` was still ``claimed``, i.e. this caller now owns it and may run it; False
        when another scheduler started it first, recovery or deletion removed it (or no
        ``start``). Marking before running is what bounds a crash's loss to one occurrence."""
        ...
    async def start_group(self, finished: Sequence[Finished], starts: Sequence[Start],
                          now: datetime) -> set[Start]:
        """:meth:`advance` for a group, in ONE transaction of two statements: record every
        outcome in ``finished`` and move every ``start`` still ``claimed`` to ``sending``.
        Returns the starts this caller now owns (the others were started elsewhere, recovered
        or deleted). Everything started here is in doubt until its outcome is recorded: a crash
        leaves the whole group ``unknown`` (never resent), so the group size is the loss bound."""
        ...
    async def release(self, claims: Sequence[Claim]) -> int:
        """Return unstarted claims to the job queue (a graceful stop): delete each still
        ``claimed`` delivery and move its job's ``next_run`` back to the occurrence (unless the
        job was rescheduled since, or already runs earlier), so it is claimed afresh, coalescing
        and expiry included, by the next run. Returns how many were released."""
        ...
    async def finish(self, job_id: int, occurrence: datetime, status: Outcome, now: datetime,
                     reason: str | None = None) -> None:
        """Record an outcome outside the scheduler's loop (``claimed`` or ``sending`` rows only:
        an outcome is written once, and ``unknown`` stays unknown)."""
        ...
    async def recover_unfinished(self, now: datetime) -> int:
        """At startup: mark deliveries a crash left ``sending`` as ``unknown`` (never resent);
        ``claimed`` rows were never started and stay queued. Returns how many were marked."""
        ...
    async def deliveries(self, job_id: int) -> list[Delivery]: ...
    async def count(self) -> int: ...


class SeenEventRepo(Protocol):
    async def first_time(self, platform: str, event_id: str, now: datetime) -> bool:
        """Record the event id; False if it was already seen (a redelivery)."""
        ...
    async def prune(self, before: datetime) -> int: ...


class AuditRepo(Protocol):
    async def record(self, community_id: int, actor: str, action: str, detail: str,
                     now: datetime) -> None: ...
    async def recent(self, community_id: int, limit: int = 50) -> list[dict[str, Any]]: ...


class Store(Protocol):
    communities: CommunityRepo
    members: MemberRepo
    channels: ChannelRepo
    jobs: JobRepo
    seen: SeenEventRepo
    audit: AuditRepo
    deferred: DeferredRepository
    """What the quiet-hours gate held back (``bot.store.deferred``)."""
    db: Db
    """The shared database, on which features build their own repositories."""

    async def migrate(self, stream: MigrationStream) -> int:
        """Bring one component's tables up to date (a feature's, when it is built)."""
        ...
    async def schema_versions(self) -> dict[str, int]: ...
    async def export_member(self, member_id: int) -> dict[str, Any]:
        """Everything stored about one member, as plain JSON-ready data."""
        ...
    async def delete_member(self, member_id: int) -> None:
        """Remove every row about one member (jobs, deliveries, feature data)."""
        ...
    async def delete_community(self, platform: str, platform_id: str) -> bool:
        """Remove a community and every row about it (members, jobs, feature data)."""
        ...
    async def close(self) -> None: ...
