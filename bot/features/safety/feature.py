"""The safety feature: crisis language gets help at once, and moderators hear about it (see
docs/safety.md).

Why so little here: detection (``detection.py``, a leaf with no dependency on the rest of
Warmline), the reply and the alert (``respond.py``), what follows the alert (``escalate.py``) and
the commands (``commands.py``) each declare their handlers next to them (``declare.py``);
importing them assembles the feature.
"""

from __future__ import annotations

from datetime import datetime

from bot.feature import Feature
from bot.features.safety import commands, escalate, respond  # noqa: F401 - registers handlers
from bot.features.safety.declare import SafetyContext, handlers
from bot.features.safety.repo import SafetyRepo
from bot.features.safety.store import SqlSafetyRepo
from bot.store.db import Db
from bot.store.migrations import MigrationStream


class Safety(Feature[SafetyRepo]):
    """Crisis language: a warm reply with resources, an alert moderators can take."""

    name = "safety"
    handlers = handlers
    migrations = MigrationStream("safety", "bot.features.safety")
    unknown_answer_key = "safety.ack.closed"
    reads_messages = True

    @classmethod
    def make_repo(cls, db: Db) -> SafetyRepo:
        return SqlSafetyRepo(db)

    def enabled(self) -> bool:
        return self.settings.safety.enabled

    async def purge(self, before: datetime, ctx: SafetyContext) -> int:
        """Retention: detection records older than ``before`` go (the members' own choices stay
        until they change them or delete their data)."""
        return await ctx.repo.purge(before)
