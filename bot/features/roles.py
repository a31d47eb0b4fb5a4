"""Who counts as a supporter in a community: one answer for every feature that asks.

Why a module of its own: check-ins (who may pick up a request to reach out) and listening (whose
replies get a private note by default) ask the same question, and neither may import the other's
internals. The roles come from the community's settings (``warmline setup role``) and from the
config (``[community] supporter_roles``).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.config import Settings
from bot.model import Community


def supporter_roles(community: Community, settings: Settings) -> set[str]:
    configured = community.settings.get("supporter_roles")
    roles = {r for r in configured if isinstance(r, str)} if isinstance(configured, list) else set()
    return roles | set(settings.community.supporter_roles)


def is_supporter(roles: Iterable[str], community: Community, settings: Settings) -> bool:
    """Whether someone holding ``roles`` (ids or names, as the platform gives them) supports."""
    held = tuple(roles)
    return bool(held) and not supporter_roles(community, settings).isdisjoint(held)
