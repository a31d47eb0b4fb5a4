"""What the check-ins feature asks of persistence (``CheckinRepo``), and nothing about SQL.

Why a protocol of its own: the feature owns its storage. Its one implementation
(``store.py``, over the :class:`bot.store.db.Db` seam) and its migrations (``migrations/``) live in
this folder; the feature gets its repository when it is built, and its handlers reach it as
``ctx.repo``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

PromptStatus = Literal["open", "answered", "skipped"]
"""open → answered | skipped, once."""
ReachoutStatus = Literal["open", "claimed", "escalated"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Enrolment:
    """A member who chose to receive check-ins. ``rule`` None means the community schedule."""

    member_id: int
    community_id: int
    rule: str | None = None
    paused_until: datetime | None = None
    goal: str | None = None
    joined_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class PromptWanted:
    """A prompt to create for ``member_id`` (see :meth:`CheckinRepo.create_prompt`)."""

    member_id: int
    sent_at: datetime
    expires_at: datetime
    day_start: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Prompt:
    """One check-in sent to one member. ``status``: open → answered | skipped (once)."""

    id: int
    member_id: int
    community_id: int
    sent_at: datetime
    expires_at: datetime
    status: PromptStatus = "open"
    mood: int | None = None
    note: str | None = None
    answered_at: datetime | None = None
    goal: str | None = None
    goal_answer: str | None = None
    offer: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Reachout:
    """A member's "yes, I'd like someone to reach out". Never holds the note text."""

    id: int
    member_id: int
    community_id: int
    prompt_id: int | None
    created_at: datetime
    status: ReachoutStatus = "open"
    claimed_by: int | None = None
    reannounced: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupThread:
    id: int
    community_id: int
    ref: str
    channel: str
    thread: str | None
    started_at: datetime


GROUP_REF_PREFIX = "checkin-group-"
"""Refs of weekly group threads: ``checkin-group-<16 random hex digits>`` (older ones end in the row id)."""

DAILY_REF_PREFIX = "checkin-day-"
"""Refs of daily check-in threads: ``checkin-day-<community id>-<YYYY-MM-DD>``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DailyThread:
    """The check-in thread of one community for one local day (thread delivery)."""

    community_id: int
    day: str
    ref: str
    channel: str
    thread: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CommunityWeek:
    """Aggregates only: how many members answered, how many answers, moods by value."""

    members_answered: int
    answers: int
    skips: int
    moods: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class InsightPeriod:
    """One closed period's totals, frozen the first time a moderator looked at it.

    ``period`` names it (``2026-W02``, the ISO week of its local Monday), so a later change of the
    community's timezone cannot open a shifted window over the same week. ``prompted`` is how many
    members were sent a check-in in it; ``members`` how many of them gave at least one mood.
    """

    period: str
    starts_at: datetime
    ends_at: datetime
    prompted: int
    members: int
    answers: int
    skips: int
    moods: dict[int, int] = field(default_factory=dict)


class CheckinRepo(Protocol):
    @property
    def keeps_text(self) -> bool:
        """Whether notes and goals can be kept: only sealed, so only with a data key."""
        ...

    async def purge_text(self, community_id: int, before: datetime) -> int:
        """Retention: clear the notes and goals of check-ins sent before ``before``, and goals set
        before it; return how many rows changed."""
        ...

    # -- enrolment ---------------------------------------------------------------------------
    async def enrol(self, member_id: int, community_id: int,
                    now: datetime) -> tuple[Enrolment, bool]:
        """Enrol (idempotent); the bool says whether this was a new enrolment."""
        ...
    async def enrolment(self, member_id: int) -> Enrolment | None: ...
    async def leave(self, member_id: int) -> bool: ...
    async def set_rule(self, member_id: int, rule: str | None) -> None: ...
    async def set_pause(self, member_id: int, until: datetime | None) -> None: ...
    async def set_goal(self, member_id: int, goal: str | None, now: datetime) -> None: ...
    async def enrolments(self, community_id: int) -> list[Enrolment]: ...
    async def enrolled_count(self, community_id: int) -> int: ...

    # -- prompts -----------------------------------------------------------------------------
    async def create_prompt(self, member_id: int, sent_at: datetime, expires_at: datetime,
                            *, day_start: datetime) -> Prompt | None:
        """Create a prompt for an enrolled, unpaused member who has had none since
        ``day_start`` (the start of their local day): at most one check-in per local day,
        whatever changed in between. One statement: the checks and the goal copy happen in the
        same transaction as the insert. None when nothing was created."""
        ...
    async def create_prompts(self, wanted: Sequence[PromptWanted]) -> dict[int, Prompt]:
        """:meth:`create_prompt` for many members at once (a fan-out's group), in one
        statement; by member id, the prompts created. Each member at most once in ``wanted``."""
        ...
    async def prompt(self, prompt_id: int) -> Prompt | None: ...
    async def answer(self, prompt_id: int, mood: int | None, now: datetime) -> bool:
        """Record a mood (or a skip, mood None) if the prompt is still open; False otherwise."""
        ...
    async def set_note(self, prompt_id: int, note: str | None) -> None:
        """Keep the note sealed (only when :attr:`keeps_text`)."""
        ...
    async def answer_goal(self, prompt_id: int, answer: str) -> bool:
        """Record the goal answer once; False if it was already answered."""
        ...
    async def set_offer(self, prompt_id: int, answer: str) -> bool:
        """Record the answer to the reach-out offer once; False if already answered."""
        ...
    async def prompts_since(self, member_id: int, since: datetime) -> list[Prompt]: ...
    async def community_week(self, community_id: int, since: datetime) -> CommunityWeek: ...
    async def insight_period(self, community_id: int, period: str, starts_at: datetime,
                             ends_at: datetime) -> InsightPeriod:
        """The totals of a closed period: the stored row if someone looked before, else counted
        now over ``[starts_at, ends_at)`` and stored (first writer wins), so every view of one
        period is the same whenever it is taken."""
        ...

    # -- reach-outs --------------------------------------------------------------------------
    async def create_reachout(self, member_id: int, community_id: int, prompt_id: int,
                              now: datetime) -> Reachout | None:
        """None when this prompt already has a request."""
        ...
    async def reachout(self, reachout_id: int) -> Reachout | None: ...
    async def claim_reachout(self, reachout_id: int, supporter_id: int, now: datetime) -> bool:
        """Claim an open (or escalated) request; False if someone already claimed it."""
        ...
    async def withdraw_reachouts(self, member_id: int) -> list[tuple[Reachout, list[tuple[str, str]]]]:
        """Remove the member's requests nobody has picked up yet (open or escalated); return
        each with where it was posted ((channel, message id) pairs). A claimed one stays:
        someone is already reaching out."""
        ...
    async def record_reachout_post(self, reachout_id: int, channel: str, message_id: str) -> None:
        """Remember where a request was posted (so it can be edited when withdrawn)."""
        ...
    async def mark_reachout(self, reachout_id: int, *, status: ReachoutStatus | None = None,
                            reannounced: bool | None = None) -> None: ...

    # -- group thread ------------------------------------------------------------------------
    async def create_group_thread(self, community_id: int, channel: str,
                                  now: datetime) -> GroupThread: ...
    async def latest_group_threads(self, community_id: int,
                                   limit: int = 2) -> list[GroupThread]: ...
    async def set_group_thread_platform_id(self, ref: str, thread: str) -> None: ...
    async def daily_thread(self, community_id: int, day: str) -> DailyThread | None: ...
    async def create_daily_thread(self, community_id: int, day: str,
                                  channel: str) -> DailyThread: ...
    async def set_daily_thread_platform_id(self, ref: str, thread: str) -> None: ...
    async def find_group_thread(self, community_id: int, thread: str) -> GroupThread | None:
        """The group thread whose ref or platform id is ``thread``."""
        ...
    async def record_group_post(self, thread_id: int, member_id: int, message_id: str) -> bool:
        """Count one post, once per message id; False when this message was counted before."""
        ...
    async def group_participation(self, thread_id: int) -> tuple[int, int]:
        """(people who posted, posts)."""
        ...
