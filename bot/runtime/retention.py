"""Retention: one daily durable job purges every feature's sensitive records past their period.

Why one job for every feature: each feature knows its own records (check-in notes and goals,
safety detection records) and implements :meth:`bot.feature.Feature.purge`; this job only decides
*when* and *before what instant*, per community, and writes what was removed to the community's
audit log, as counts (never content). A feature with nothing sensitive keeps the default hook.

The job is the deployment's, not a community's: it is scheduled once (``daily 03:00`` UTC) when
Warmline starts, runs through the durable scheduler like every job (a missed run after downtime
coalesces into one), and purges each community with that community's period.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot import recurrence
from bot.actions import Action
from bot.clock import Clock
from bot.config import Settings
from bot.feature import Context, Feature
from bot.model import Claim, Community
from bot.privacy import retention_days
from bot.store.base import Store
from bot.texts import TextCatalogue

log = logging.getLogger(__name__)

RETENTION = "warmline.retention"
"""The job kind of the daily purge."""
RETENTION_SUBJECT = "deployment"
RETENTION_RULE = "daily 03:00"
AUDIT_ACTOR = "warmline"
AUDIT_ACTION = "retention purge"

DEPLOYMENT = Community(id=0, platform="", platform_id="", name="the deployment")
"""The community of the retention job's own context: the job belongs to no community, and the
scheduler runs a job in a context."""


class Retention:
    """Schedules the daily purge and runs it; the runtime registers :meth:`run` as the kind."""

    def __init__(self, *, store: Store, clock: Clock, texts: TextCatalogue, settings: Settings,
                 features: Sequence[Feature[Any]]) -> None:
        self.store = store
        self.features = tuple(features)
        self.settings = settings
        self.context = Context(store=store, clock=clock, texts=texts, settings=settings,
                               platform="", community=DEPLOYMENT, repo=None)
        """The job's context (the scheduler runs every job in one)."""

    async def ensure_scheduled(self, now: datetime) -> None:
        """Create the daily job if there is none (an existing one keeps its next run)."""
        if await self.store.jobs.get(RETENTION, RETENTION_SUBJECT) is not None:
            return
        first = recurrence.next_after(recurrence.parse(RETENTION_RULE), "UTC", now)
        await self.store.jobs.upsert(kind=RETENTION, subject=RETENTION_SUBJECT, community_id=None,
                                     member_id=None, rule=RETENTION_RULE, zone="UTC",
                                     next_run=first)

    async def run(self, claim: Claim, ctx: Context[Any]) -> Sequence[Action]:
        """The job's runner: ``ctx`` is the deployment's (:data:`DEPLOYMENT`); nothing is sent."""
        await self.purge_all(ctx)
        return []

    async def purge_all(self, ctx: Context[Any]) -> dict[int, dict[str, int]]:
        """Purge every community; returns, per community id, the rows each feature removed."""
        now = ctx.now
        removed: dict[int, dict[str, int]] = {}
        for community in await self.store.communities.list():
            days = retention_days(community, self.settings)
            base = _in_community(ctx, community)
            counts: dict[str, int] = {}
            for feature in self.features:
                count = await feature.purge(now - timedelta(days=days), base.bind(feature.repo))
                if count:
                    counts[feature.name] = count
            if counts:
                removed[community.id] = counts
                detail = ", ".join(f"{name}: {n}" for name, n in sorted(counts.items()))
                await self.store.audit.record(community.id, AUDIT_ACTOR, AUDIT_ACTION,
                                              f"{detail} (older than {days} days)", now)
                log.info("retention: community %s, %d rows past %d days", community.id,
                         sum(counts.values()), days)
        return removed


def _in_community(ctx: Context[Any], community: Community) -> Context[Any]:
    return Context(store=ctx.store, clock=ctx.clock, texts=ctx.texts, settings=ctx.settings,
                   platform=community.platform, community=community, repo=None)
