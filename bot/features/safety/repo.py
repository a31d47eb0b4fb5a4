"""What the safety feature keeps, and the repository it keeps it through.

Only the fact of a detection: when, in which channel, how serious, whose message it was (so the
person can export or delete it, and so a second message within the reply period does not bring a
second reply), what kind of concern, and where the moderators' alert stands. Never the message,
never its id, never the cues that matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from bot.features.safety.detection import Tier

Concern = Literal["own", "someone_else", "reply"]
"""``own``: the writer may be at risk. ``someone_else``: the writer is worried about another
person. ``reply``: a reply to someone else names a method or means (harmful specifics)."""
AlertState = Literal["none", "open", "acknowledged", "closed", "dismissed"]
"""``none``: moderators were not alerted (the member opted out, or nowhere to send it);
``open`` until someone presses "I'm on it" (``acknowledged``), then ``closed`` when they are
done; ``dismissed`` when the writer said it was not what they meant."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DetectionRecord:
    id: int
    community_id: int
    member_id: int
    at: datetime
    channel: str
    tier: Tier
    concern: Concern
    replied: bool
    alert: AlertState
    false_positive: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberChoices:
    region: str | None = None
    alerts_off: bool = False


class SafetyRepo(Protocol):
    async def record(self, *, community_id: int, member_id: int, at: datetime, channel: str,
                     tier: Tier, concern: Concern, replied: bool,
                     alert: AlertState) -> DetectionRecord: ...

    async def get(self, detection_id: int) -> DetectionRecord | None: ...

    async def last_replied(self, member_id: int, since: datetime) -> DetectionRecord | None:
        """The member's most serious detection since ``since`` that brought them a reply."""
        ...

    async def move_alert(self, detection_id: int, before: AlertState, after: AlertState) -> bool:
        """Compare-and-set: True only for the one caller that found it ``before``."""
        ...

    async def mark_false_positive(self, detection_id: int) -> bool: ...

    async def false_positives(self, community_id: int) -> int: ...

    async def choices(self, member_id: int) -> MemberChoices: ...

    async def set_region(self, member_id: int, region: str | None) -> None: ...

    async def set_alerts_off(self, member_id: int, off: bool) -> None: ...

    async def purge(self, before: datetime) -> int: ...
