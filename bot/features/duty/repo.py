"""The duty feature's storage: who is on duty, their stretches, and the work they took on.

Only ids and times are kept. Rows cascade with their member, so export and delete cover them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.store.db import Db, Row, from_db, maybe_from_db, to_db


@dataclass(frozen=True, slots=True, kw_only=True)
class Supporter:
    member_id: int
    community_id: int
    on_duty: bool
    since: datetime | None
    hours: str | None
    """Regular duty hours as a windows spec (``bot.windows.parse_spec``), or None."""
    last_asked: datetime | None
    wellbeing: bool
    cap_noted: str | None
    """The week (``YYYY-Www``) whose soft-cap reminder was given, so it is given once."""


def _supporter(row: Row) -> Supporter:
    return Supporter(member_id=row["member_id"], community_id=row["community_id"],
                     on_duty=bool(row["on_duty"]), since=maybe_from_db(row["since"]),
                     hours=row["hours"], last_asked=maybe_from_db(row["last_asked"]),
                     wellbeing=bool(row["wellbeing"]), cap_noted=row["cap_noted"])


class DutyRepo:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def get(self, member_id: int) -> Supporter | None:
        row = await self._db.fetchone("SELECT * FROM duty_supporters WHERE member_id = ?",
                                      (member_id,))
        return None if row is None else _supporter(row)

    async def ensure(self, member_id: int, community_id: int) -> Supporter:
        await self._db.execute(
            "INSERT INTO duty_supporters (member_id, community_id) VALUES (?, ?) "
            "ON CONFLICT (member_id) DO NOTHING", (member_id, community_id))
        found = await self.get(member_id)
        assert found is not None
        return found

    async def in_community(self, community_id: int) -> list[Supporter]:
        """Everyone who has used duty here: who is on duty is decided with their hours."""
        rows = await self._db.fetchall(
            "SELECT * FROM duty_supporters WHERE community_id = ? AND (on_duty = 1 OR hours IS "
            "NOT NULL) ORDER BY member_id", (community_id,))
        return [_supporter(r) for r in rows]

    async def go_on(self, member_id: int, now: datetime) -> bool:
        """On duty from now; False when already on (nothing changes)."""
        changed = await self._db.execute(
            "UPDATE duty_supporters SET on_duty = 1, since = ? WHERE member_id = ? AND on_duty = 0",
            (to_db(now), member_id))
        if changed:
            await self._db.execute(
                "INSERT INTO duty_stretches (member_id, started) VALUES (?, ?)",
                (member_id, to_db(now)))
        return bool(changed)

    async def go_off(self, member_id: int, now: datetime) -> bool:
        changed = await self._db.execute(
            "UPDATE duty_supporters SET on_duty = 0, since = NULL WHERE member_id = ? "
            "AND on_duty = 1", (member_id,))
        await self._db.execute(
            "UPDATE duty_stretches SET ended = ? WHERE member_id = ? AND ended IS NULL",
            (to_db(now), member_id))
        return bool(changed)

    async def set_hours(self, member_id: int, hours: str | None) -> None:
        await self._db.execute("UPDATE duty_supporters SET hours = ? WHERE member_id = ?",
                               (hours, member_id))

    async def set_wellbeing(self, member_id: int, on: bool) -> None:
        await self._db.execute("UPDATE duty_supporters SET wellbeing = ? WHERE member_id = ?",
                               (int(on), member_id))

    async def note_cap(self, member_id: int, week: str) -> bool:
        """Remember that this week's soft-cap reminder was given; False if it already was."""
        return bool(await self._db.execute(
            "UPDATE duty_supporters SET cap_noted = ? WHERE member_id = ? "
            "AND (cap_noted IS NULL OR cap_noted <> ?)", (week, member_id, week)))

    async def asked(self, member_ids: list[int], now: datetime) -> None:
        for member_id in member_ids:
            await self._db.execute(
                "UPDATE duty_supporters SET last_asked = ? WHERE member_id = ?",
                (to_db(now), member_id))

    async def time_on_duty(self, member_id: int, start: datetime, end: datetime) -> timedelta:
        """Time on duty between ``start`` and ``end`` (an open stretch counts up to ``end``)."""
        rows = await self._db.fetchall(
            "SELECT started, ended FROM duty_stretches WHERE member_id = ? AND started < ? "
            "AND (ended IS NULL OR ended > ?)", (member_id, to_db(end), to_db(start)))
        total = timedelta()
        for row in rows:
            began = max(from_db(row["started"]), start)
            ended = min(maybe_from_db(row["ended"]) or end, end)
            if ended > began:
                total += ended - began
        return total

    async def take(self, member_id: int, kind: str, subject: str, now: datetime) -> bool:
        return bool(await self._db.execute(
            "INSERT INTO duty_work (member_id, kind, subject, taken) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (member_id, kind, subject) DO NOTHING",
            (member_id, kind, subject, to_db(now))))

    async def finish(self, kind: str, subject: str, now: datetime) -> int:
        return await self._db.execute(
            "UPDATE duty_work SET done = ? WHERE kind = ? AND subject = ? AND done IS NULL",
            (to_db(now), kind, subject))

    async def open_work(self, member_ids: list[int], since: datetime) -> dict[int, int]:
        """How many pieces of work each supporter carries (taken since ``since``, not done)."""
        if not member_ids:
            return {}
        marks = ",".join("?" * len(member_ids))
        rows = await self._db.fetchall(
            f"SELECT member_id, COUNT(*) AS n FROM duty_work WHERE done IS NULL AND taken > ? "
            f"AND member_id IN ({marks}) GROUP BY member_id", (to_db(since), *member_ids))
        return {int(r["member_id"]): int(r["n"]) for r in rows}
