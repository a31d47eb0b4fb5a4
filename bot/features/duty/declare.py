"""The duty feature's declarations: the table its modules register handlers in, and its ids."""

from __future__ import annotations

from bot.feature import Context, Handlers
from bot.features.duty.repo import DutyRepo

DutyContext = Context[DutyRepo]

handlers: Handlers[DutyRepo] = Handlers("duty")

AUTO_OFF = "duty.auto_off"
"""A stretch on duty ends (the longest stretch, or the end of regular duty hours)."""
HOURS_START = "duty.hours_start"
"""Regular duty hours begin (a recurring job in the supporter's zone)."""
CAP = "duty.cap"
"""The weekly soft cap is reached during a stretch."""
CARE = "duty.care"
"""The private "that was a heavy one" check-in, some time after heavy work."""
WELLBEING = "duty.wellbeing"
"""The opt-in weekly wellbeing check-in."""

BREAK = "duty.break"
TALK = "duty.talk"
OKAY = "duty.okay"
