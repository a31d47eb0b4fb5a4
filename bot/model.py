"""The domain every part shares: communities, members, durable jobs and their deliveries.

Why a module of its own: the store persists these and the features decide with them, so both
depend on this module and neither on the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal


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
    """The member's own quiet hours (``bot.windows.parse_spec``: ``"22:00-07:00"``, maybe with
    a different window on some days), or None for the community's default."""
    roles: tuple[str, ...] = ()
    reachable: bool = True
    unreachable_reason: str | None = None
    created_at: datetime
    dm_channel: str | None = None
    """The platform's id of the private conversation with this member, once one was opened."""
    snoozed_until: datetime | None = None
    """Everything non-urgent waits until then (``snooze``)."""
    dnd_until: datetime | None = None
    """The platform says the member is in do-not-disturb until then."""


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


@dataclass(frozen=True, slots=True)
class BatchRows:
    """The members and communities of one claimed batch, read in one query each.

    Why: a fan-out claims a hundred occurrences at a time; reading each one's member and
    community separately cost two round trips per prompt. Read at the start of the batch, the
    rows are at most one batch old (seconds) when a runner sees them; the runner still reads
    and writes its own state (a prompt already sent today, a pause) in its unit of work."""

    members: Mapping[int, Member]
    communities: Mapping[int, Community]


DeliveryStatus = Literal["claimed", "sending", "sent", "skipped", "failed", "unknown"]
"""``claimed`` (queued, not started) → ``sending`` (its runner started) → ``sent`` | ``skipped`` |
``failed``; ``unknown`` when a crash left it ``sending`` (never resent)."""

Outcome = Literal["sent", "skipped", "failed"]
"""How one started occurrence ended: what the runtime reports back to the scheduler."""

FINAL_STATUSES: frozenset[Outcome] = frozenset({"sent", "skipped", "failed"})

Start = tuple[int, datetime]
"""``(job_id, occurrence)``: the claimed occurrence a scheduler is about to run."""
Finished = tuple[int, datetime, Outcome, str | None]
"""``(job_id, occurrence, status, reason)``: the outcome of an occurrence that was ``sending``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    job_id: int
    occurrence: datetime
    status: DeliveryStatus
    reason: str | None = None
    claimed_at: datetime
    done_at: datetime | None = None
