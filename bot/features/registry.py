"""The one list of features a running Warmline has, in routing order.

Adding a feature is one line here. ``build_features`` migrates each feature's own tables on the
shared database, builds it with its repository, and brings its sealed columns up to date: plain
text left from before sealing is sealed once a data key is configured (docs/privacy.md).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from bot.config import Settings
from bot.feature import Feature
from bot.features.basics import Basics
from bot.features.checkins.feature import Checkins
from bot.features.duty.feature import Duty
from bot.features.listening.feature import Listening
from bot.features.quiet.feature import Quiet
from bot.features.safety.feature import Safety
from bot.sealing import keyring_for
from bot.store.base import Store
from bot.store.sealed import count_plain, reseal

log = logging.getLogger(__name__)

FEATURES: tuple[type[Feature[Any]], ...] = (
    Basics,
    Checkins,
    Quiet,
    Duty,
    Safety,
    Listening,
)


async def build_features(settings: Settings, store: Store,
                         features: Sequence[type[Feature[Any]]] = FEATURES) -> list[Feature[Any]]:
    built = [await feature.build(settings, store) for feature in features]
    await seal_plain_text(settings, store, built)
    return built


async def seal_plain_text(settings: Settings, store: Store, features: Sequence[Feature[Any]]) -> int:
    """Seal the plain text notes and goals kept from before sealing (with a key), or say how many
    wait for one (without: they stay as they are, read as before, until retention clears them).
    Returns how many values were sealed."""
    keyring = keyring_for(settings.privacy)
    sealed = 0
    for feature in features:
        for column in feature.sealed:
            if not keyring.can_seal:
                waiting = await count_plain(store.db, column)
                if waiting:
                    log.warning("%d values of %s are plain text from before sealing; set a data "
                                "key to seal them (docs/privacy.md)", waiting, column.name)
                continue
            if not await count_plain(store.db, column):
                continue
            done = await reseal(store.db, column, keyring, plain_only=True)
            sealed += done.sealed_plain
            if done.sealed_plain:
                log.info("sealed %d plain text values of %s", done.sealed_plain, column.name)
    return sealed
