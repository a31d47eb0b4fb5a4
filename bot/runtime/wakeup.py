"""The runtime's "the schedule changed" signal, raised where jobs are written.

Why: the scheduler sleeps until the next due job. When a handler schedules something sooner (a
member joins at 08:59 for a 09:00 check-in), the scheduler must look again. The runtime owns the
signal and installs it around the store's job repository, so no repository keeps a counter and no
feature has to remember to wake anyone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.model import Claim, Delivery, Finished, Job, Outcome, Start
from bot.store.base import JobRepo


class ScheduleSignal:
    """A flag the scheduler loop waits on; safe to set before the loop exists."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    def is_set(self) -> bool:
        return self._event.is_set()

    async def wait(self) -> None:
        await self._event.wait()


class SignallingJobs:
    """The store's :class:`JobRepo`, raising ``signal`` whenever a job is (re)scheduled."""

    def __init__(self, jobs: JobRepo, signal: ScheduleSignal) -> None:
        self._jobs = jobs
        self._signal = signal

    async def upsert(
        self, *, kind: str, subject: str, community_id: int | None, member_id: int | None,
        rule: str | None, zone: str, next_run: datetime, payload: dict[str, Any] | None = None,
    ) -> Job:
        job = await self._jobs.upsert(kind=kind, subject=subject, community_id=community_id,
                                      member_id=member_id, rule=rule, zone=zone,
                                      next_run=next_run, payload=payload)
        self._signal.set()
        return job

    async def get(self, kind: str, subject: str) -> Job | None:
        return await self._jobs.get(kind, subject)

    async def delete(self, kind: str, subject: str) -> bool:
        return await self._jobs.delete(kind, subject)

    async def delete_for_member(self, member_id: int) -> int:
        return await self._jobs.delete_for_member(member_id)

    async def next_due_time(self) -> datetime | None:
        return await self._jobs.next_due_time()

    async def claim_due(self, now: datetime, limit: int) -> list[Claim]:
        return await self._jobs.claim_due(now, limit)

    async def claim_and_start(self, now: datetime, limit: int) -> list[Claim]:
        return await self._jobs.claim_and_start(now, limit)

    async def queued(self, limit: int) -> list[Claim]:
        return await self._jobs.queued(limit)

    async def advance(self, finish: Finished | None, start: Start | None, now: datetime) -> bool:
        return await self._jobs.advance(finish, start, now)

    async def start_group(self, finished: Sequence[Finished], starts: Sequence[Start],
                          now: datetime) -> set[Start]:
        return await self._jobs.start_group(finished, starts, now)

    async def release(self, claims: Sequence[Claim]) -> int:
        return await self._jobs.release(claims)

    async def finish(self, job_id: int, occurrence: datetime, status: Outcome, now: datetime,
                     reason: str | None = None) -> None:
        await self._jobs.finish(job_id, occurrence, status, now, reason)

    async def recover_unfinished(self, now: datetime) -> int:
        return await self._jobs.recover_unfinished(now)

    async def deliveries(self, job_id: int) -> list[Delivery]:
        return await self._jobs.deliveries(job_id)

    async def count(self) -> int:
        return await self._jobs.count()
