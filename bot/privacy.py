"""How long sensitive records are kept: the deployment's period, and a community's own.

Why a module of its own: the retention job (runtime), ``/privacy info`` and the moderators'
``warmline setup retention`` (features) all need the one rule, and features never import the
runtime.
"""

from __future__ import annotations

from bot.config import Settings
from bot.model import Community
from bot.overrides import ChatSetting

RETENTION_DAYS = ChatSetting(arg="days", key="retention_days", section="privacy",
                             name="retention_days",
                             description="Days notes, goals and safety records are kept")
"""``[privacy] retention_days``, which a community's moderators may shorten."""


def retention_days(community: Community, settings: Settings) -> int:
    """The period in ``community``: its own when shorter, else the deployment's. Never longer:
    the deployment's period is what its operators promised every member."""
    deployment = int(RETENTION_DAYS.default(settings))
    return min(int(RETENTION_DAYS.effective(community, settings)), deployment)
