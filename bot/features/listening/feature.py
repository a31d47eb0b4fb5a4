"""The listening feature: kind, specific notes for supporters, coaching before sending, and no
post in the support channel left unanswered (see docs/listening.md).

Why so little here: each capability (replies and notes, drafts, unanswered posts, weekly tips,
moderators' setup) lives in its own small module and declares its handlers in ``declare.py``'s
table. Importing those modules, in the order their commands are listed, assembles the feature.
"""

from __future__ import annotations

from bot.feature import Feature
from bot.features.listening import (  # noqa: F401 - importing a module registers its handlers
    draft,
    replies,
    setup,
    tips,
    unanswered,
)
from bot.features.listening.declare import handlers
from bot.features.listening.repo import ListeningRepo, SqlListeningRepo
from bot.store.db import Db
from bot.store.migrations import MigrationStream


class Listening(Feature[ListeningRepo]):
    """Active-listening reminders in the support channel."""

    name = "listening"
    handlers = handlers
    migrations = MigrationStream("listening", "bot.features.listening")
    reads_messages = True

    @classmethod
    def make_repo(cls, db: Db) -> ListeningRepo:
        return SqlListeningRepo(db)

    def enabled(self) -> bool:
        return self.settings.listening.enabled
