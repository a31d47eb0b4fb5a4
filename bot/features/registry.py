"""The list of features a running Warmline has, in routing order."""

from __future__ import annotations

from bot.config import Settings
from bot.feature import Feature
from bot.features.basics import Basics
from bot.features.checkins import Checkins


def build_features(settings: Settings) -> list[Feature]:
    features: list[Feature] = [Basics(), Checkins(settings)]
    return features
