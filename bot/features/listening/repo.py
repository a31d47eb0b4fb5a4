"""What the listening feature keeps, and the one place it is read and written.

Kept in the database (``migrations/0001_listening.sql``): a member's posts in the support
channel as ids and instants, the private notes a replier was sent, and each person's choice about
those notes. Never what anyone wrote.

Why an in-memory :class:`Room` as well: every message in the support channel passes here, and on
a busy channel a database round trip per message would cost more than the platform library
itself (measured: about 200 µs against discord.py's 40). So the questions asked on every message
(is this the support channel, is this a reply to a recent post, does this person want notes) are
answered from memory, and new posts are written in batches: at once when the channel is calm, in
groups of up to :data:`BATCH` (at least once a second) when it is busy, and always before the
unanswered-post check reads them. A crash loses at most the last second of a busy channel's posts
(they are then never shown as unanswered); it never shows one twice.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol

from bot.store.db import Db, from_db, maybe_to_db, to_db

BATCH = 5000
"""Posts written in one transaction when the channel is busy."""
CALM_SECONDS = 1.0
"""A post is written at once when the last write was longer ago than this."""
CACHE = timedelta(seconds=30)
"""How long the support channel and people's choices are taken from memory before being read
again (a moderator's ``warmline setup channel`` applies within this time)."""
MAX_REMEMBERED = 50_000
"""Posts remembered per community for recognising replies; the oldest are forgotten first."""

NoteKind = Literal["nudge", "thanks"]


@dataclass(slots=True)
class Share:
    """A member's post in the support channel, as remembered: no words, one yes/no about them."""

    channel: str
    """Where the post is: its thread, for a post that starts one."""
    message_id: str
    author: str
    posted_at: datetime
    vulnerable: bool = True
    """Whether the post shares a problem (``analysis.is_vulnerable_share``), worked out when it
    arrived; unknown (after a restart) counts as yes, as the analyser assumes."""
    answered_at: datetime | None = None
    stored: bool = False
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Waiting:
    """A post shown to supporters as unanswered."""

    id: int
    channel: str
    message_id: str
    author: str
    posted_at: datetime


@dataclass(slots=True)
class Room:
    """What one community's support channel looks like from memory (see the module docstring)."""

    channel: str | None = None
    enabled: bool = False
    window: timedelta = timedelta(hours=24)
    """The reply window; with ``enabled`` and ``delay``, the community's values when last read."""
    delay: timedelta = timedelta(minutes=30)
    listened: bool = True
    """Whether anyone here can get notes (a supporter role is named, or someone chose them)."""
    read_at: datetime | None = None
    """When the channel, settings and choices were read (the clock's time, like the core's
    community cache, so the simulator's virtual time moves it too)."""
    prefs: dict[str, bool] = field(default_factory=dict)
    shares: OrderedDict[str, Share] = field(default_factory=OrderedDict)
    pending: dict[str, Share] = field(default_factory=dict)
    flushed_at: float = -1e9
    warm: bool = False
    job_at: datetime | None = None
    """When this community's unanswered-post check is known to be scheduled."""
    noted: dict[str, datetime] = field(default_factory=dict)
    """When each person was last sent a note, as far as this process knows: a reply by someone
    still within their period is not even analysed."""

    def stale(self, now: datetime) -> bool:
        return self.read_at is None or now - self.read_at > CACHE

    def current(self, now: datetime) -> bool:
        """Whether memory can answer at once: read recently, and the recent posts loaded."""
        return not self.stale(now) and (self.warm or self.channel is None)

    def remember(self, share: Share) -> None:
        self.shares[share.message_id] = share
        self.shares.move_to_end(share.message_id)
        while len(self.shares) > MAX_REMEMBERED:
            self.shares.popitem(last=False)

    def find(self, *ids: str | None) -> Share | None:
        for key in ids:
            if key is not None and (found := self.shares.get(key)) is not None:
                return found
        return None

    def forget_before(self, cutoff: datetime) -> None:
        while self.shares:
            oldest = next(iter(self.shares.values()))
            if oldest.posted_at >= cutoff:
                return
            self.shares.popitem(last=False)

    def changed(self, share: Share) -> bool:
        """Queue ``share`` to be written; True when it is time to write the queue."""
        self.pending[share.message_id] = share
        return (len(self.pending) >= BATCH
                or time.monotonic() - self.flushed_at >= CALM_SECONDS)


class ListeningRepo(Protocol):
    rooms: dict[int, Room]

    async def write(self, community_id: int, shares: list[Share], now: datetime) -> None:
        """Store new posts (creating their authors' member rows) and answered marks."""
        ...

    async def recent(self, community_id: int, since: datetime) -> list[Share]: ...

    async def claim_waiting(self, community_id: int, posted_before: datetime,
                            posted_after: datetime, now: datetime) -> list[Waiting]:
        """Mark every unanswered post in that span as shown to supporters, and return them:
        one statement, so no post is ever shown twice."""
        ...

    async def next_waiting(self, community_id: int, posted_after: datetime) -> datetime | None:
        """When the oldest post still waiting for a reply was posted."""
        ...

    async def share_id(self, community_id: int, message_id: str) -> int | None: ...

    async def last_note(self, member_id: int) -> datetime | None: ...

    async def record_note(self, member_id: int, share_id: int | None, kind: NoteKind,
                          now: datetime) -> bool:
        """False when this person already had a note about this post."""
        ...

    async def pref(self, member_id: int) -> bool | None: ...

    async def set_pref(self, member_id: int, nudges: bool, now: datetime) -> None: ...

    async def prefs(self, community_id: int) -> dict[str, bool]:
        """Each person's own choice, by platform user id."""
        ...

    async def note_counts(self, community_id: int, since: datetime) -> dict[str, int]:
        """Notes sent since ``since`` by kind, and how many people switched notes off."""
        ...


class SqlListeningRepo:
    """The one implementation of :class:`ListeningRepo`, over any :class:`Db`."""

    def __init__(self, db: Db) -> None:
        self._db = db
        self.rooms: dict[int, Room] = {}

    async def write(self, community_id: int, shares: list[Share], now: datetime) -> None:
        new = [s for s in shares if not s.stored]
        answered = [s for s in shares if s.stored and s.answered_at is not None]
        if not new and not answered:
            return
        async with self._db.transaction() as tx:
            if new:
                authors = sorted({s.author for s in new})
                created = to_db(now)
                await tx.executemany(
                    "INSERT INTO members (community_id, platform_user_id, created_at) "
                    "VALUES (?, ?, ?) ON CONFLICT (community_id, platform_user_id) DO NOTHING",
                    [(community_id, author, created) for author in authors],
                )
                ids: dict[str, int] = {}
                for start in range(0, len(authors), 500):
                    part = authors[start:start + 500]
                    rows = await tx.fetchall(
                        "SELECT id, platform_user_id FROM members WHERE community_id = ? AND "
                        f"platform_user_id IN ({', '.join('?' * len(part))})",
                        [community_id, *part])
                    ids.update((str(r["platform_user_id"]), int(r["id"])) for r in rows)
                await tx.executemany(
                    "INSERT INTO listening_shares (community_id, member_id, channel, message_id, "
                    "posted_at, answered_at) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (community_id, message_id) DO NOTHING",
                    [(community_id, ids[s.author], s.channel, s.message_id, to_db(s.posted_at),
                      maybe_to_db(s.answered_at)) for s in new],
                )
            if answered:
                await tx.executemany(
                    "UPDATE listening_shares SET answered_at = ? "
                    "WHERE community_id = ? AND message_id = ? AND answered_at IS NULL",
                    [(maybe_to_db(s.answered_at), community_id, s.message_id) for s in answered],
                )
        for share in new:
            share.stored = True

    async def recent(self, community_id: int, since: datetime) -> list[Share]:
        rows = await self._db.fetchall(
            "SELECT s.id, s.channel, s.message_id, s.posted_at, s.answered_at, "
            "m.platform_user_id FROM listening_shares s JOIN members m ON m.id = s.member_id "
            "WHERE s.community_id = ? AND s.posted_at >= ? ORDER BY s.posted_at",
            (community_id, to_db(since)),
        )
        return [Share(channel=r["channel"], message_id=r["message_id"],
                      author=r["platform_user_id"], posted_at=from_db(r["posted_at"]),
                      answered_at=None if r["answered_at"] is None else from_db(r["answered_at"]),
                      stored=True, id=r["id"]) for r in rows]

    async def claim_waiting(self, community_id: int, posted_before: datetime,
                            posted_after: datetime, now: datetime) -> list[Waiting]:
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                "UPDATE listening_shares SET surfaced_at = ? WHERE community_id = ? "
                "AND answered_at IS NULL AND surfaced_at IS NULL AND posted_at <= ? "
                "AND posted_at >= ? RETURNING id, channel, message_id, posted_at, member_id",
                (to_db(now), community_id, to_db(posted_before), to_db(posted_after)),
            )
            authors = {}
            for row in rows:
                member = await tx.fetchone("SELECT platform_user_id FROM members WHERE id = ?",
                                           (row["member_id"],))
                authors[row["id"]] = "" if member is None else str(member["platform_user_id"])
        waiting = [Waiting(id=r["id"], channel=r["channel"], message_id=r["message_id"],
                           author=authors[r["id"]], posted_at=from_db(r["posted_at"]))
                   for r in rows]
        return sorted(waiting, key=lambda w: w.posted_at)

    async def next_waiting(self, community_id: int, posted_after: datetime) -> datetime | None:
        row = await self._db.fetchone(
            "SELECT MIN(posted_at) FROM listening_shares WHERE community_id = ? "
            "AND answered_at IS NULL AND surfaced_at IS NULL AND posted_at >= ?",
            (community_id, to_db(posted_after)),
        )
        return None if row is None or row[0] is None else from_db(row[0])

    async def share_id(self, community_id: int, message_id: str) -> int | None:
        row = await self._db.fetchone(
            "SELECT id FROM listening_shares WHERE community_id = ? AND message_id = ?",
            (community_id, message_id),
        )
        return None if row is None else int(row["id"])

    async def last_note(self, member_id: int) -> datetime | None:
        row = await self._db.fetchone(
            "SELECT MAX(sent_at) FROM listening_notes WHERE member_id = ?", (member_id,))
        return None if row is None or row[0] is None else from_db(row[0])

    async def record_note(self, member_id: int, share_id: int | None, kind: NoteKind,
                          now: datetime) -> bool:
        return await self._db.execute(
            "INSERT INTO listening_notes (member_id, share_id, kind, sent_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (member_id, share_id) DO NOTHING",
            (member_id, share_id, kind, to_db(now)),
        ) > 0

    async def pref(self, member_id: int) -> bool | None:
        row = await self._db.fetchone(
            "SELECT nudges FROM listening_prefs WHERE member_id = ?", (member_id,))
        return None if row is None else bool(row["nudges"])

    async def set_pref(self, member_id: int, nudges: bool, now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO listening_prefs (member_id, nudges, changed_at) VALUES (?, ?, ?) "
            "ON CONFLICT (member_id) DO UPDATE SET nudges = excluded.nudges, "
            "changed_at = excluded.changed_at",
            (member_id, int(nudges), to_db(now)),
        )

    async def prefs(self, community_id: int) -> dict[str, bool]:
        rows = await self._db.fetchall(
            "SELECT m.platform_user_id, p.nudges FROM listening_prefs p "
            "JOIN members m ON m.id = p.member_id WHERE m.community_id = ?", (community_id,))
        return {str(r["platform_user_id"]): bool(r["nudges"]) for r in rows}

    async def note_counts(self, community_id: int, since: datetime) -> dict[str, int]:
        rows = await self._db.fetchall(
            "SELECT n.kind, COUNT(*) AS n FROM listening_notes n JOIN members m "
            "ON m.id = n.member_id WHERE m.community_id = ? AND n.sent_at >= ? GROUP BY n.kind",
            (community_id, to_db(since)),
        )
        counts = {str(r["kind"]): int(r["n"]) for r in rows}
        off = await self._db.fetchone(
            "SELECT COUNT(*) FROM listening_prefs p JOIN members m ON m.id = p.member_id "
            "WHERE m.community_id = ? AND p.nudges = 0", (community_id,))
        counts["off"] = 0 if off is None else int(off[0])
        return counts
