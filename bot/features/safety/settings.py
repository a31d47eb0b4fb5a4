"""The safety settings moderators change with ``safety setup``, each declared once on top of the
config key it overrides (its default and its rule live in ``bot/config/schema.py``)."""

from __future__ import annotations

from bot.overrides import ChatSetting

REPLY = ChatSetting(arg="reply", key="safety_reply", section="safety", name="reply",
                    description="Where the resources reply goes: a thread or a direct message")
REGION = ChatSetting(arg="region", key="safety_region", section="safety", name="default_region",
                     description="The community's region for crisis resources, e.g. GB")
PERIOD = ChatSetting(arg="reply_period_hours", key="safety_reply_period_hours", section="safety",
                     name="reply_period_hours",
                     description="Hours before the same person gets the reply again")
ACK_MINUTES = ChatSetting(arg="ack_minutes", key="safety_ack_minutes", section="safety",
                          name="ack_minutes",
                          description="Minutes an alert waits for someone before it widens")
ALERT_TEXT = ChatSetting(arg="alert_text", key="safety_alert_includes_text", section="safety",
                         name="alert_includes_text",
                         description="Show the message's words in the moderators' alert")

CHAT_SETTINGS = (REPLY, REGION, PERIOD, ACK_MINUTES, ALERT_TEXT)
"""In the order ``safety setup`` offers them."""
