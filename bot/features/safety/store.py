"""The safety repository over the :class:`bot.store.db.Db` seam (tables from ``migrations/``).

"Only once" rules (one acknowledgement per alert) are a single conditional ``UPDATE``, so two
moderators pressing "I'm on it" at the same moment cannot both win.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from bot.features.safety.detection import Tier
from bot.features.safety.repo import AlertState, Concern, DetectionRecord, MemberChoices
from bot.store.db import Db, Row, from_db, to_db

_RANK = "CASE tier WHEN 'imminent' THEN 3 WHEN 'active' THEN 2 ELSE 1 END"


def _record(row: Row) -> DetectionRecord:
    return DetectionRecord(
        id=row["id"], community_id=row["community_id"], member_id=row["member_id"],
        at=from_db(row["at"]), channel=row["channel"], tier=cast(Tier, row["tier"]),
        concern=cast(Concern, row["concern"]), replied=bool(row["replied"]),
        alert=cast(AlertState, row["alert"]), false_positive=bool(row["false_positive"]),
    )


class SqlSafetyRepo:
    """The one implementation of :class:`bot.features.safety.repo.SafetyRepo`."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def record(self, *, community_id: int, member_id: int, at: datetime, channel: str,
                     tier: Tier, concern: Concern, replied: bool,
                     alert: AlertState) -> DetectionRecord:
        row = await self._db.fetchone(
            "INSERT INTO safety_detections (community_id, member_id, at, channel, tier, concern, "
            "replied, alert) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
            (community_id, member_id, to_db(at), channel, tier, concern, int(replied), alert),
        )
        assert row is not None
        return _record(row)

    async def get(self, detection_id: int) -> DetectionRecord | None:
        row = await self._db.fetchone("SELECT * FROM safety_detections WHERE id = ?",
                                      (detection_id,))
        return None if row is None else _record(row)

    async def last_replied(self, member_id: int, since: datetime) -> DetectionRecord | None:
        row = await self._db.fetchone(
            f"SELECT * FROM safety_detections WHERE member_id = ? AND at >= ? AND replied = 1 "
            f"ORDER BY {_RANK} DESC, at DESC LIMIT 1",
            (member_id, to_db(since)),
        )
        return None if row is None else _record(row)

    async def move_alert(self, detection_id: int, before: AlertState, after: AlertState) -> bool:
        return await self._db.execute(
            "UPDATE safety_detections SET alert = ? WHERE id = ? AND alert = ?",
            (after, detection_id, before),
        ) > 0

    async def mark_false_positive(self, detection_id: int) -> bool:
        return await self._db.execute(
            "UPDATE safety_detections SET false_positive = 1 WHERE id = ? AND false_positive = 0",
            (detection_id,),
        ) > 0

    async def false_positives(self, community_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM safety_detections WHERE community_id = ? AND false_positive = 1",
            (community_id,),
        )
        return 0 if row is None else int(row[0])

    async def choices(self, member_id: int) -> MemberChoices:
        row = await self._db.fetchone("SELECT * FROM safety_members WHERE member_id = ?",
                                      (member_id,))
        if row is None:
            return MemberChoices()
        return MemberChoices(region=row["region"], alerts_off=bool(row["alerts_off"]))

    async def set_region(self, member_id: int, region: str | None) -> None:
        await self._db.execute(
            "INSERT INTO safety_members (member_id, region) VALUES (?, ?) "
            "ON CONFLICT (member_id) DO UPDATE SET region = excluded.region",
            (member_id, region),
        )

    async def set_alerts_off(self, member_id: int, off: bool) -> None:
        await self._db.execute(
            "INSERT INTO safety_members (member_id, alerts_off) VALUES (?, ?) "
            "ON CONFLICT (member_id) DO UPDATE SET alerts_off = excluded.alerts_off",
            (member_id, int(off)),
        )

    async def purge(self, before: datetime) -> int:
        return await self._db.execute("DELETE FROM safety_detections WHERE at < ?",
                                      (to_db(before),))
