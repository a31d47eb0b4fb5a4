"""The duty feature: supporters' on and off duty, their limits, care for them, and the router.

Why the router lives here: choosing who to ask needs who is on duty and what they carry, which
is this feature's data. Other features reach it only through the ``bot.routing`` seam
(``ctx.router``), so none of them imports this package.
"""

from __future__ import annotations

from typing import Any

from bot.feature import Context, Feature
from bot.features.duty import care, commands  # noqa: F401 - importing registers the handlers
from bot.features.duty.declare import handlers
from bot.features.duty.repo import DutyRepo
from bot.features.duty.router import DutyRouter
from bot.routing import SupportRouter
from bot.store.db import Db
from bot.store.migrations import MigrationStream


class Duty(Feature[DutyRepo]):
    name = "duty"
    handlers = handlers
    migrations = MigrationStream("duty", "bot.features.duty")

    @classmethod
    def make_repo(cls, db: Db) -> DutyRepo:
        return DutyRepo(db)

    def support_router(self) -> SupportRouter[Context[Any]]:
        return DutyRouter(self.repo)
