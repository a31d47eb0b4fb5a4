"""The one list of features a running Warmline has, in routing order.

Adding a feature is one line here. ``build_features`` migrates each feature's own tables on the
shared database and builds it with its repository.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.config import Settings
from bot.feature import Feature
from bot.features.basics import Basics
from bot.features.checkins.feature import Checkins
from bot.features.listening.feature import Listening
from bot.store.base import Store

FEATURES: tuple[type[Feature[Any]], ...] = (
    Basics,
    Checkins,
    Listening,
)


async def build_features(settings: Settings, store: Store,
                         features: Sequence[type[Feature[Any]]] = FEATURES) -> list[Feature[Any]]:
    return [await feature.build(settings, store) for feature in features]
