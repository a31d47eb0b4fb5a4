"""The check-ins feature: scheduled, timezone-correct mood check-ins (see docs/checkins.md).

Why so little here: each capability (consent, prompts, answers, reach-outs, goals, history,
insights, moderation, the group thread) lives in its own small module and declares its commands,
buttons, forms and job kinds next to its handlers (``declare.py``). Importing those modules, in the
order their commands are listed, is what assembles the feature.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.feature import Feature
from bot.features.checkins import (  # noqa: F401 - importing a module registers its handlers
    answers,
    enrol,
    goals,
    group,
    history,
    moderation,
    prompts,
    reachout,
)
from bot.features.checkins.declare import CheckinContext, handlers
from bot.features.checkins.reachout import REACHOUT_POST_PREFIX
from bot.features.checkins.repo import DAILY_REF_PREFIX, GROUP_REF_PREFIX, CheckinRepo
from bot.features.checkins.store import SEALED, SqlCheckinRepo
from bot.numbers import small_int
from bot.sealing import keyring_for
from bot.store.base import Store
from bot.store.db import Db
from bot.store.migrations import MigrationStream


class Checkins(Feature[CheckinRepo]):
    """Scheduled, timezone-correct mood check-ins."""

    name = "checkin"
    handlers = handlers
    migrations = MigrationStream("checkin", "bot.features.checkins", legacy={1: 2, 2: 5})
    unknown_answer_key = "checkin.answer.unknown"
    sealed = SEALED

    @classmethod
    def make_repo(cls, db: Db) -> CheckinRepo:
        """Without a data key: notes and goals are not kept (see :meth:`build`)."""
        return SqlCheckinRepo(db)

    @classmethod
    async def build(cls, settings: Settings, store: Store) -> Feature[Any]:
        """Notes and goals are sealed with the key ``[privacy]`` names (none: not kept)."""
        if cls.migrations is not None:
            await store.migrate(cls.migrations)
        return cls(settings=settings,
                   repo=SqlCheckinRepo(store.db, keyring_for(settings.privacy)))

    async def purge(self, before: datetime, ctx: CheckinContext) -> int:
        """Notes and goals older than the retention period are cleared; moods stay (they make the
        member's history and the community's totals, and say nothing in the member's words)."""
        return await ctx.repo.purge_text(ctx.community.id, before)

    async def on_posted(self, ref: str, channel: str, message_id: str,
                        ctx: CheckinContext) -> None:
        """Where a request for someone to reach out was posted: kept so that withdrawing the
        request can edit the post."""
        if ref.startswith(REACHOUT_POST_PREFIX):
            reachout_id = small_int(ref.removeprefix(REACHOUT_POST_PREFIX))
            if reachout_id is not None:
                await ctx.repo.record_reachout_post(reachout_id, channel, message_id)

    async def on_thread_started(self, ref: str, thread_id: str, ctx: CheckinContext) -> None:
        """The platform's id of a thread we opened: messages there are recognised by it."""
        if ref.startswith(GROUP_REF_PREFIX):
            await ctx.repo.set_group_thread_platform_id(ref, thread_id)
        elif ref.startswith(DAILY_REF_PREFIX):
            await ctx.repo.set_daily_thread_platform_id(ref, thread_id)
