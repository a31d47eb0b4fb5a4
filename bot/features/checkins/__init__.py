"""Check-ins: scheduled mood check-ins in each member's own time, with a path to a peer.

The feature is :class:`bot.features.checkins.feature.Checkins`; each module declares its own
handlers in ``declare.py``'s table.
"""
