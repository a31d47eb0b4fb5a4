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
from bot.people import supporter_roles

__all__ = ["is_supporter", "supporter_roles"]


def is_supporter(roles: Iterable[str], community: Community, settings: Settings) -> bool:
    """Whether someone holding ``roles`` (ids or names, as the platform gives them) supports."""
    held = tuple(roles)
    return bool(held) and not supporter_roles(community, settings).isdisjoint(held)
