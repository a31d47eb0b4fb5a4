"""The Store interface: what features may ask of persistence, and nothing about SQL.

Rules every implementation keeps:
- instants are stored and returned as timezone-aware UTC datetimes;
- no message text is ever stored (notes a member writes on purpose are the one exception, and
  are theirs to export and delete);
- every row about a member is reachable from ``export_member`` and removed by ``delete_member``;
- writes that must be atomic (claiming a job occurrence) happen in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.checkins.repo import CheckinRepo


@dataclass(frozen=True, slots=True, kw_only=True)
class Community:
    id: int
    platform: str
    platform_id: str
    name: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    """Moderator-set settings (set with commands, no redeploy); override config defaults."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    id: int
    community_id: int
    platform_user_id: str
    display_name: str | None = None
    timezone: str | None = None
    quiet_hours: str | None = None
    """Local quiet hours as ``"HH:MM-HH:MM"`` (may wrap midnight), or None."""
    roles: tuple[str, ...] = ()
    reachable: bool = True
    unreachable_reason: str | None = None
    created_at: datetime
    dm_channel: str | None = None
    """The platform's id of the private conversation with this member, once one was opened."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    """A durable scheduled job. ``(kind, subject)`` is unique: rescheduling replaces.

    ``rule`` is a recurrence (``bot.recurrence``) evaluated in ``zone``; a job without a rule runs
    once at ``next_run``. ``next_run`` is None once a one-shot job has been claimed.
    """

    id: int
    kind: str
    subject: str
    community_id: int | None
    member_id: int | None
    rule: str | None
    zone: str
    next_run: datetime | None
    payload: dict[str, Any] = field(default_factory=dict)
    version: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """One occurrence of a job, claimed exactly once: ``(job.id, occurrence)`` is the
    idempotency key of the delivery."""

    job: Job
    occurrence: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    job_id: int
    occurrence: datetime
    status: str
    """``claimed`` → ``sent`` | ``skipped`` | ``failed``; ``unknown`` when a crash left it claimed."""
    reason: str | None = None
    claimed_at: datetime
    done_at: datetime | None = None


class CommunityRepo(Protocol):
    async def ensure(self, platform: str, platform_id: str, name: str | None = None) -> Community: ...
    async def get(self, community_id: int) -> Community | None: ...
    async def find(self, platform: str, platform_id: str) -> Community | None: ...
    async def update_settings(self, community_id: int, changes: dict[str, Any]) -> Community: ...
    async def list(self) -> list[Community]: ...


class MemberRepo(Protocol):
    async def ensure(
        self, community_id: int, platform_user_id: str, *, display_name: str | None = None,
        now: datetime,
    ) -> Member: ...
    async def get(self, member_id: int) -> Member | None: ...
    async def find(self, community_id: int, platform_user_id: str) -> Member | None: ...
    async def find_everywhere(self, platform: str, platform_user_id: str) -> list[Member]: ...
    async def update(self, member_id: int, **changes: Any) -> Member:
        """Change any of: display_name, timezone, quiet_hours, roles, reachable,
        unreachable_reason, dm_channel."""
        ...
    async def list(self, community_id: int) -> list[Member]: ...


class ChannelRepo(Protocol):
    async def set_purpose(self, community_id: int, purpose: str, channel_id: str | None) -> None:
        """Name the channel that serves ``purpose`` ("support", "supporters", "moderators",
        "checkins"); None clears it."""
        ...
    async def for_purpose(self, community_id: int, purpose: str) -> str | None: ...
    async def all(self, community_id: int) -> dict[str, str]: ...


class JobRepo(Protocol):
    changes: int
    """Counts schedule changes made through this repository (an in-process signal only)."""

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
        ``claimed`` delivery for the latest missed occurrence and advance ``next_run`` past
        ``now``. An occurrence already delivered or claimed is never returned again."""
        ...
    async def finish(self, job_id: int, occurrence: datetime, status: str, now: datetime,
                     reason: str | None = None) -> None: ...
    async def recover_unfinished(self, now: datetime) -> int:
        """Mark deliveries a crash left ``claimed`` as ``unknown`` (never resent); return how many."""
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
    checkins: CheckinRepo

    async def schema_version(self) -> int: ...
    async def export_member(self, member_id: int) -> dict[str, Any]:
        """Everything stored about one member, as plain JSON-ready data."""
        ...
    async def delete_member(self, member_id: int) -> None:
        """Remove every row about one member (jobs, deliveries, feature data)."""
        ...
    async def close(self) -> None: ...
