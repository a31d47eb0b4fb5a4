"""Supporter duty: on and off duty, limits that prevent burnout, care for the carers, and the one
router for supporter work (``bot.routing``)."""
