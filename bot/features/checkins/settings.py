"""The check-in settings moderators change with ``checkin setup``, each declared once on top of the
config key it overrides (its default and its rule live in ``bot/config/schema.py``)."""

from __future__ import annotations

from bot.overrides import ChatSetting

SCHEDULES = ChatSetting(arg="schedule", key="checkin_schedules", section="checkins",
                        name="schedules",
                        description="e.g. mon-fri 09:00 (several: separate with ;)")
DELIVERY = ChatSetting(arg="delivery", key="checkin_delivery", section="checkins",
                       name="delivery", description="Direct message or a channel thread")
EXPIRY = ChatSetting(arg="expiry_hours", key="checkin_expiry_hours", section="checkins",
                     name="prompt_expiry_hours", description="Hours a check-in stays open")
REMINDER = ChatSetting(arg="reminder", key="checkin_reminder", section="checkins",
                       name="reminder", description="One gentle reminder per check-in")
GROUP_THREAD = ChatSetting(arg="group_thread", key="checkin_group_thread", section="checkins",
                           name="group_thread", description="A weekly group check-in thread")

CHAT_SETTINGS = (SCHEDULES, DELIVERY, EXPIRY, REMINDER, GROUP_THREAD)
"""In the order ``checkin setup`` offers them."""
