"""Check-ins: scheduled mood check-ins in each member's own time, with a path to a peer."""

from bot.features.checkins.feature import Checkins

__all__ = ["Checkins"]
