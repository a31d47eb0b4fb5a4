"""The core repositories, over :class:`bot.store.db.Db`: communities, members, channels, seen
events and the audit log.

Upserts are ``INSERT … ON CONFLICT DO UPDATE … RETURNING``: one statement, no delete-then-insert,
so row ids (which other tables reference) never change.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.model import Community, Member
from bot.store.db import Db, Row, from_db, in_batches, maybe_from_db, rows_table, to_db, to_json

_MEMBER_FIELDS = frozenset(
    {"display_name", "timezone", "quiet_hours", "roles", "reachable", "unreachable_reason",
     "dm_channel", "snoozed_until", "dnd_until"}
)


def community_from_row(row: Row) -> Community:
    return Community(
        id=row["id"], platform=row["platform"], platform_id=row["platform_id"],
        name=row["name"], settings=json.loads(row["settings"]),
    )


def member_from_row(row: Row) -> Member:
    return Member(
        id=row["id"], community_id=row["community_id"],
        platform_user_id=row["platform_user_id"], display_name=row["display_name"],
        timezone=row["timezone"], quiet_hours=row["quiet_hours"],
        roles=() if row["roles"] == "[]" else tuple(json.loads(row["roles"])),
        reachable=bool(row["reachable"]),
        unreachable_reason=row["unreachable_reason"], created_at=from_db(row["created_at"]),
        dm_channel=row["dm_channel"],
        snoozed_until=maybe_from_db(row["snoozed_until"]),
        dnd_until=maybe_from_db(row["dnd_until"]),
    )


class CommunitiesRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def ensure(self, platform: str, platform_id: str, name: str | None = None) -> Community:
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO communities (platform, platform_id, name) VALUES (?, ?, ?) "
                "ON CONFLICT (platform, platform_id) DO UPDATE "
                "SET name = COALESCE(excluded.name, communities.name) RETURNING *",
                (platform, platform_id, name),
            )
        assert row is not None
        return community_from_row(row)

    async def get(self, community_id: int) -> Community | None:
        row = await self._db.fetchone("SELECT * FROM communities WHERE id = ?", (community_id,))
        return None if row is None else community_from_row(row)

    async def get_many(self, community_ids: Sequence[int]) -> dict[int, Community]:
        found: dict[int, Community] = {}
        ids = sorted(set(community_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = await self._db.fetchall(
                f"SELECT * FROM communities WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            found.update((int(r["id"]), community_from_row(r)) for r in rows)
        return found

    async def find(self, platform: str, platform_id: str) -> Community | None:
        row = await self._db.fetchone(
            "SELECT * FROM communities WHERE platform = ? AND platform_id = ?",
            (platform, platform_id),
        )
        return None if row is None else community_from_row(row)

    async def update_settings(self, community_id: int, changes: dict[str, Any]) -> Community:
        """Merge ``changes`` into the settings; a value of None removes the key (back to the
        config default). Read and write happen in one transaction, so concurrent changes to
        different keys are both kept."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT settings FROM communities WHERE id = ?", (community_id,)
            )
            if row is None:
                raise LookupError(f"no community with id {community_id}")
            settings = json.loads(row["settings"])
            for key, value in changes.items():
                if value is None:
                    settings.pop(key, None)
                else:
                    settings[key] = value
            updated = await tx.fetchone(
                "UPDATE communities SET settings = ? WHERE id = ? RETURNING *",
                (to_json(settings), community_id),
            )
        assert updated is not None
        return community_from_row(updated)

    async def list(self) -> list[Community]:
        rows = await self._db.fetchall("SELECT * FROM communities ORDER BY id")
        return [community_from_row(r) for r in rows]


class MembersRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def ensure(
        self, community_id: int, platform_user_id: str, *, display_name: str | None = None,
        now: datetime,
    ) -> Member:
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO members (community_id, platform_user_id, display_name, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (community_id, platform_user_id) DO UPDATE "
                "SET display_name = COALESCE(excluded.display_name, members.display_name) "
                "RETURNING *",
                (community_id, platform_user_id, display_name, to_db(now)),
            )
        assert row is not None
        return member_from_row(row)

    async def get(self, member_id: int) -> Member | None:
        row = await self._db.fetchone("SELECT * FROM members WHERE id = ?", (member_id,))
        return None if row is None else member_from_row(row)

    async def get_many(self, member_ids: Sequence[int]) -> dict[int, Member]:
        found: dict[int, Member] = {}
        for start in range(0, len(member_ids), 500):
            chunk = list(member_ids[start:start + 500])
            rows = await self._db.fetchall(
                f"SELECT * FROM members WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            found.update((int(r["id"]), member_from_row(r)) for r in rows)
        return found

    async def find(self, community_id: int, platform_user_id: str) -> Member | None:
        row = await self._db.fetchone(
            "SELECT * FROM members WHERE community_id = ? AND platform_user_id = ?",
            (community_id, platform_user_id),
        )
        return None if row is None else member_from_row(row)

    async def find_everywhere(self, platform: str, platform_user_id: str) -> list[Member]:
        rows = await self._db.fetchall(
            "SELECT m.* FROM members m JOIN communities c ON c.id = m.community_id "
            "WHERE m.platform_user_id = ? AND c.platform = ? ORDER BY m.id",
            (platform_user_id, platform),
        )
        return [member_from_row(r) for r in rows]

    async def update(self, member_id: int, **changes: Any) -> Member:
        unknown = set(changes) - _MEMBER_FIELDS
        if unknown:
            raise TypeError(f"members have no field(s) {sorted(unknown)}")
        values: dict[str, Any] = dict(changes)
        if "roles" in values:
            values["roles"] = to_json(list(values["roles"]))
        if "reachable" in values:
            values["reachable"] = int(bool(values["reachable"]))
        for instant in ("snoozed_until", "dnd_until"):
            if isinstance(values.get(instant), datetime):
                values[instant] = to_db(values[instant])
        async with self._db.transaction() as tx:
            if values:
                # Column names come from the fixed allow-list above, never from input.
                assignments = ", ".join(f"{name} = ?" for name in values)
                row = await tx.fetchone(f"UPDATE members SET {assignments} WHERE id = ? RETURNING *",
                    (*values.values(), member_id),
                )
            else:
                row = await tx.fetchone("SELECT * FROM members WHERE id = ?", (member_id,))
        if row is None:
            raise LookupError(f"no member with id {member_id}")
        return member_from_row(row)

    async def remember_dm_channels(self, channels: Sequence[tuple[int, str]]) -> None:
        if not channels:
            return
        async with self._db.transaction() as tx:
            for chunk in in_batches(channels):
                table, params = rows_table(self._db.dialect, "k",
                                           (("id", "bigint"), ("dm_channel", "text")), chunk)
                await tx.execute(f"WITH {table} UPDATE members SET dm_channel = k.dm_channel "
                                 "FROM k WHERE members.id = k.id", params)

    async def list(self, community_id: int) -> list[Member]:
        rows = await self._db.fetchall(
            "SELECT * FROM members WHERE community_id = ? ORDER BY id", (community_id,)
        )
        return [member_from_row(r) for r in rows]


class ChannelsRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def set_purpose(self, community_id: int, purpose: str, channel_id: str | None) -> None:
        if channel_id is None:
            await self._db.execute(
                "DELETE FROM channels WHERE community_id = ? AND purpose = ?",
                (community_id, purpose),
            )
        else:
            await self._db.execute(
                "INSERT INTO channels (community_id, purpose, channel_id) VALUES (?, ?, ?) "
                "ON CONFLICT (community_id, purpose) DO UPDATE "
                "SET channel_id = excluded.channel_id",
                (community_id, purpose, channel_id),
            )

    async def for_purpose(self, community_id: int, purpose: str) -> str | None:
        row = await self._db.fetchone(
            "SELECT channel_id FROM channels WHERE community_id = ? AND purpose = ?",
            (community_id, purpose),
        )
        return None if row is None else str(row["channel_id"])

    async def all(self, community_id: int) -> dict[str, str]:
        rows = await self._db.fetchall(
            "SELECT purpose, channel_id FROM channels WHERE community_id = ? ORDER BY purpose",
            (community_id,),
        )
        return {r["purpose"]: r["channel_id"] for r in rows}


class SeenEventsRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def first_time(self, platform: str, event_id: str, now: datetime) -> bool:
        inserted = await self._db.execute(
            "INSERT INTO seen_events (platform, event_id, seen_at) VALUES (?, ?, ?) "
            "ON CONFLICT (platform, event_id) DO NOTHING",
            (platform, event_id, to_db(now)),
        )
        return inserted == 1

    async def prune(self, before: datetime) -> int:
        return await self._db.execute(
            "DELETE FROM seen_events WHERE seen_at < ?", (to_db(before),)
        )


class AuditRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def record(self, community_id: int, actor: str, action: str, detail: str,
                     now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO audit_log (community_id, actor, action, detail, at) "
            "VALUES (?, ?, ?, ?, ?)",
            (community_id, actor, action, detail, to_db(now)),
        )

    async def recent(self, community_id: int, limit: int = 50) -> list[dict[str, Any]]:
        """Newest first; ``at`` is a UTC datetime."""
        rows = await self._db.fetchall(
            "SELECT id, actor, action, detail, at FROM audit_log WHERE community_id = ? "
            "ORDER BY id DESC LIMIT ?",
            (community_id, limit),
        )
        return [
            {"id": r["id"], "actor": r["actor"], "action": r["action"], "detail": r["detail"],
             "at": from_db(r["at"])}
            for r in rows
        ]
