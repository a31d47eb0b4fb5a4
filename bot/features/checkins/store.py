"""The check-ins repository over the :class:`bot.store.db.Db` seam (tables from this feature's
own migrations, ``migrations/``): one implementation for every engine.

Every "only once" rule (answer a prompt once, claim a request once) is a single conditional
``UPDATE … WHERE status = 'open'`` so two presses racing each other cannot both win.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Sequence
from datetime import datetime

from bot.features.checkins.repo import (
    DAILY_REF_PREFIX,
    GROUP_REF_PREFIX,
    CommunityWeek,
    DailyThread,
    Enrolment,
    GroupThread,
    InsightPeriod,
    Prompt,
    PromptWanted,
    Reachout,
    ReachoutStatus,
)
from bot.sealing import CannotOpen, Keyring
from bot.store.db import Db, Row, from_db, in_batches, maybe_from_db, rows_table, to_db, to_json
from bot.store.sealed import SealedColumn

log = logging.getLogger(__name__)


NOTE_PURPOSE = "checkin.note"
GOAL_PURPOSE = "checkin.goal"
"""A goal and its copy on each prompt share a purpose (and a member): the copy is made in SQL."""
SEALED = (
    SealedColumn(table="checkin_prompts", column="note", purpose=NOTE_PURPOSE),
    SealedColumn(table="checkin_prompts", column="goal", purpose=GOAL_PURPOSE),
    SealedColumn(table="checkin_enrolments", column="goal", purpose=GOAL_PURPOSE,
                 key="member_id"),
)
"""The member-written text this feature keeps, sealed at rest (bot/sealing.py)."""


def _reachout(row: Row) -> Reachout:
    return Reachout(
        id=row["id"], member_id=row["member_id"], community_id=row["community_id"],
        prompt_id=row["prompt_id"], created_at=from_db(row["created_at"]),
        status=row["status"], claimed_by=row["claimed_by"],
        reannounced=bool(row["reannounced"]),
    )


def _thread(row: Row) -> GroupThread:
    return GroupThread(
        id=row["id"], community_id=row["community_id"], ref=row["ref"], channel=row["channel"],
        thread=row["thread"], started_at=from_db(row["started_at"]),
    )



def _daily_from_row(row: Row) -> DailyThread:
    return DailyThread(community_id=row["community_id"], day=row["day"], ref=row["ref"],
                       channel=row["channel"], thread=row["thread"])


class SqlCheckinRepo:
    """The one implementation of :class:`CheckinRepo`, over any :class:`Db`."""

    def __init__(self, db: Db, keyring: Keyring | None = None) -> None:
        self._db = db
        self._keys = keyring or Keyring()

    @property
    def keeps_text(self) -> bool:
        return self._keys.can_seal

    def _open(self, value: str | None, member_id: int, purpose: str) -> str | None:
        """A stored note or goal as the member wrote it: opened when sealed, as it is when it is
        plain text from before sealing, None when no configured key opens it."""
        if value is None:
            return None
        try:
            return self._keys.open(value, member_id=member_id, purpose=purpose)
        except CannotOpen:
            log.warning("a sealed %s of member %s cannot be opened with the configured keys",
                        purpose, member_id)
            return None

    def _seal(self, value: str | None, member_id: int, purpose: str) -> str | None:
        return None if value is None else self._keys.seal(value, purpose=purpose,
                                                          member_id=member_id)

    def _enrolment(self, row: Row) -> Enrolment:
        return Enrolment(
            member_id=row["member_id"], community_id=row["community_id"], rule=row["rule"],
            paused_until=maybe_from_db(row["paused_until"]),
            goal=self._open(row["goal"], row["member_id"], GOAL_PURPOSE),
            joined_at=from_db(row["joined_at"]),
        )

    def _prompt(self, row: Row) -> Prompt:
        member = row["member_id"]
        return Prompt(
            id=row["id"], member_id=member, community_id=row["community_id"],
            sent_at=from_db(row["sent_at"]), expires_at=from_db(row["expires_at"]),
            status=row["status"], mood=row["mood"],
            note=self._open(row["note"], member, NOTE_PURPOSE),
            answered_at=maybe_from_db(row["answered_at"]),
            goal=self._open(row["goal"], member, GOAL_PURPOSE),
            goal_answer=row["goal_answer"], offer=row["offer"],
        )

    async def purge_text(self, community_id: int, before: datetime) -> int:
        cutoff = to_db(before)
        async with self._db.transaction() as tx:
            prompts = await tx.execute(
                "UPDATE checkin_prompts SET note = NULL, goal = NULL WHERE community_id = ? "
                "AND sent_at < ? AND (note IS NOT NULL OR goal IS NOT NULL)",
                (community_id, cutoff))
            goals = await tx.execute(
                "UPDATE checkin_enrolments SET goal = NULL, goal_set_at = NULL "
                "WHERE community_id = ? AND goal IS NOT NULL "
                "AND (goal_set_at IS NULL OR goal_set_at < ?)",
                (community_id, cutoff))
        return prompts + goals

    # -- enrolment -------------------------------------------------------------------------------

    async def enrol(self, member_id: int, community_id: int,
                    now: datetime) -> tuple[Enrolment, bool]:
        async with self._db.transaction() as tx:
            created = await tx.execute(
                "INSERT INTO checkin_enrolments (member_id, community_id, joined_at) "
                "VALUES (?, ?, ?) ON CONFLICT (member_id) DO NOTHING",
                (member_id, community_id, to_db(now)),
            ) > 0
            row = await tx.fetchone(
                "SELECT * FROM checkin_enrolments WHERE member_id = ?", (member_id,)
            )
        assert row is not None
        return self._enrolment(row), created

    async def enrolment(self, member_id: int) -> Enrolment | None:
        row = await self._db.fetchone(
            "SELECT * FROM checkin_enrolments WHERE member_id = ?", (member_id,)
        )
        return None if row is None else self._enrolment(row)

    async def leave(self, member_id: int) -> bool:
        removed = await self._db.execute(
            "DELETE FROM checkin_enrolments WHERE member_id = ?", (member_id,)
        )
        return removed > 0

    async def set_rule(self, member_id: int, rule: str | None) -> None:
        await self._db.execute(
            "UPDATE checkin_enrolments SET rule = ? WHERE member_id = ?", (rule, member_id)
        )

    async def set_pause(self, member_id: int, until: datetime | None) -> None:
        await self._db.execute(
            "UPDATE checkin_enrolments SET paused_until = ? WHERE member_id = ?",
            (None if until is None else to_db(until), member_id),
        )

    async def set_goal(self, member_id: int, goal: str | None, now: datetime) -> None:
        await self._db.execute(
            "UPDATE checkin_enrolments SET goal = ?, goal_set_at = ? WHERE member_id = ?",
            (self._seal(goal, member_id, GOAL_PURPOSE), None if goal is None else to_db(now),
             member_id),
        )

    async def enrolments(self, community_id: int) -> list[Enrolment]:
        rows = await self._db.fetchall(
            "SELECT * FROM checkin_enrolments WHERE community_id = ? ORDER BY member_id",
            (community_id,),
        )
        return [self._enrolment(r) for r in rows]

    async def enrolled_count(self, community_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM checkin_enrolments WHERE community_id = ?", (community_id,)
        )
        return 0 if row is None else int(row[0])

    # -- prompts ---------------------------------------------------------------------------------

    async def create_prompt(self, member_id: int, sent_at: datetime, expires_at: datetime,
                            *, day_start: datetime) -> Prompt | None:
        # One statement: the enrolment, pause and once-a-day checks and the goal copy happen in
        # the same transaction as the insert (and it is the fan-out's only write besides the
        # claim).
        sent = to_db(sent_at)
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO checkin_prompts (member_id, community_id, sent_at, expires_at, goal) "
                "SELECT member_id, community_id, ?, ?, goal FROM checkin_enrolments "
                "WHERE member_id = ? AND (paused_until IS NULL OR paused_until <= ?) "
                "AND NOT EXISTS (SELECT 1 FROM checkin_prompts p WHERE p.member_id = ? "
                "AND p.sent_at >= ?) "
                "RETURNING *",
                (sent, to_db(expires_at), member_id, sent, member_id, to_db(day_start)),
            )
        return None if row is None else self._prompt(row)

    async def create_prompts(self, wanted: Sequence[PromptWanted]) -> dict[int, Prompt]:
        # create_prompt's statement for a whole group: the same checks per member, joined to
        # the wanted rows (one statement, in the scheduler's unit of work).
        created: dict[int, Prompt] = {}
        for chunk in in_batches(wanted):
            table, params = rows_table(
                self._db.dialect, "w",
                (("member_id", "bigint"), ("sent_at", "text"), ("expires_at", "text"),
                 ("day_start", "text")),
                [(w.member_id, to_db(w.sent_at), to_db(w.expires_at), to_db(w.day_start))
                 for w in chunk])
            async with self._db.transaction() as tx:
                rows = await tx.fetchall(
                    f"WITH {table} "
                    "INSERT INTO checkin_prompts (member_id, community_id, sent_at, expires_at, "
                    "goal) SELECT e.member_id, e.community_id, w.sent_at, w.expires_at, e.goal "
                    "FROM w JOIN checkin_enrolments e ON e.member_id = w.member_id "
                    "WHERE (e.paused_until IS NULL OR e.paused_until <= w.sent_at) "
                    "AND NOT EXISTS (SELECT 1 FROM checkin_prompts p "
                    "WHERE p.member_id = w.member_id AND p.sent_at >= w.day_start) "
                    "RETURNING *",
                    params,
                )
            created.update((int(row["member_id"]), self._prompt(row)) for row in rows)
        return created

    async def prompt(self, prompt_id: int) -> Prompt | None:
        row = await self._db.fetchone("SELECT * FROM checkin_prompts WHERE id = ?", (prompt_id,))
        return None if row is None else self._prompt(row)

    async def answer(self, prompt_id: int, mood: int | None, now: datetime) -> bool:
        changed = await self._db.execute(
            "UPDATE checkin_prompts SET status = ?, mood = ?, answered_at = ? "
            "WHERE id = ? AND status = 'open'",
            ("skipped" if mood is None else "answered", mood, to_db(now), prompt_id),
        )
        return changed > 0

    async def set_note(self, prompt_id: int, note: str | None) -> None:
        if note is None:
            await self._db.execute("UPDATE checkin_prompts SET note = NULL WHERE id = ?",
                                   (prompt_id,))
            return
        row = await self._db.fetchone("SELECT member_id FROM checkin_prompts WHERE id = ?",
                                      (prompt_id,))
        if row is None:
            return
        await self._db.execute(
            "UPDATE checkin_prompts SET note = ? WHERE id = ?",
            (self._seal(note, int(row["member_id"]), NOTE_PURPOSE), prompt_id),
        )

    async def answer_goal(self, prompt_id: int, answer: str) -> bool:
        changed = await self._db.execute(
            "UPDATE checkin_prompts SET goal_answer = ? WHERE id = ? AND goal_answer IS NULL",
            (answer, prompt_id),
        )
        return changed > 0

    async def set_offer(self, prompt_id: int, answer: str) -> bool:
        changed = await self._db.execute(
            "UPDATE checkin_prompts SET offer = ? WHERE id = ? AND offer IS NULL",
            (answer, prompt_id),
        )
        return changed > 0

    async def prompts_since(self, member_id: int, since: datetime) -> list[Prompt]:
        rows = await self._db.fetchall(
            "SELECT * FROM checkin_prompts WHERE member_id = ? AND sent_at >= ? ORDER BY sent_at",
            (member_id, to_db(since)),
        )
        return [self._prompt(r) for r in rows]

    async def community_week(self, community_id: int, since: datetime) -> CommunityWeek:
        rows = await self._db.fetchall(
            "SELECT status, mood, COUNT(*) AS n, COUNT(DISTINCT member_id) AS people "
            "FROM checkin_prompts WHERE community_id = ? AND answered_at >= ? "
            "GROUP BY status, mood",
            (community_id, to_db(since)),
        )
        people = await self._db.fetchone(
            "SELECT COUNT(DISTINCT member_id) FROM checkin_prompts "
            "WHERE community_id = ? AND answered_at >= ? AND status = 'answered'",
            (community_id, to_db(since)),
        )
        moods: dict[int, int] = {}
        answers = skips = 0
        for row in rows:
            if row["status"] == "answered" and row["mood"] is not None:
                moods[int(row["mood"])] = int(row["n"])
                answers += int(row["n"])
            elif row["status"] == "skipped":
                skips += int(row["n"])
        return CommunityWeek(
            members_answered=0 if people is None else int(people[0]),
            answers=answers, skips=skips, moods=moods,
        )

    async def insight_period(self, community_id: int, period: str, starts_at: datetime,
                             ends_at: datetime) -> InsightPeriod:
        # Counted and stored in one transaction; a second moderator racing the first inserts
        # nothing (ON CONFLICT DO NOTHING) and both read the one stored row.
        start, end = to_db(starts_at), to_db(ends_at)
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT * FROM checkin_insight_periods WHERE community_id = ? AND period = ?",
                (community_id, period),
            )
            if row is None:
                counts = await tx.fetchall(
                    "SELECT status, mood, COUNT(*) AS n FROM checkin_prompts "
                    "WHERE community_id = ? AND answered_at >= ? AND answered_at < ? "
                    "GROUP BY status, mood",
                    (community_id, start, end),
                )
                people = await tx.fetchone(
                    "SELECT COUNT(DISTINCT member_id) FROM checkin_prompts "
                    "WHERE community_id = ? AND answered_at >= ? AND answered_at < ? "
                    "AND status = 'answered'",
                    (community_id, start, end),
                )
                # Sent in the period, or sent just before it and answered in it (a Sunday-night
                # check-in answered after midnight), so "members of prompted" never exceeds 1.
                prompted = await tx.fetchone(
                    "SELECT COUNT(DISTINCT member_id) FROM checkin_prompts "
                    "WHERE community_id = ? AND ((sent_at >= ? AND sent_at < ?) "
                    "OR (answered_at >= ? AND answered_at < ?))",
                    (community_id, start, end, start, end),
                )
                moods: dict[str, int] = {}
                answers = skips = 0
                for count in counts:
                    if count["status"] == "answered" and count["mood"] is not None:
                        moods[str(int(count["mood"]))] = int(count["n"])
                        answers += int(count["n"])
                    elif count["status"] == "skipped":
                        skips += int(count["n"])
                await tx.execute(
                    "INSERT INTO checkin_insight_periods (community_id, period, starts_at, "
                    "ends_at, prompted, members, answers, skips, moods) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (community_id, period, start, end, 0 if prompted is None else int(prompted[0]),
                     0 if people is None else int(people[0]), answers, skips, to_json(moods)),
                )
                row = await tx.fetchone(
                    "SELECT * FROM checkin_insight_periods WHERE community_id = ? AND period = ?",
                    (community_id, period),
                )
        assert row is not None
        return InsightPeriod(
            period=row["period"], starts_at=from_db(row["starts_at"]),
            ends_at=from_db(row["ends_at"]), prompted=int(row["prompted"]),
            members=int(row["members"]), answers=int(row["answers"]), skips=int(row["skips"]),
            moods={int(k): int(v) for k, v in json.loads(row["moods"]).items()},
        )

    # -- reach-outs ------------------------------------------------------------------------------

    async def create_reachout(self, member_id: int, community_id: int, prompt_id: int,
                              now: datetime) -> Reachout | None:
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO checkin_reachouts (member_id, community_id, prompt_id, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (prompt_id) DO NOTHING RETURNING *",
                (member_id, community_id, prompt_id, to_db(now)),
            )
        return None if row is None else _reachout(row)

    async def reachout(self, reachout_id: int) -> Reachout | None:
        row = await self._db.fetchone(
            "SELECT * FROM checkin_reachouts WHERE id = ?", (reachout_id,)
        )
        return None if row is None else _reachout(row)

    async def claim_reachout(self, reachout_id: int, supporter_id: int, now: datetime) -> bool:
        changed = await self._db.execute(
            "UPDATE checkin_reachouts SET status = 'claimed', claimed_by = ?, claimed_at = ? "
            "WHERE id = ? AND status IN ('open', 'escalated')",
            (supporter_id, to_db(now), reachout_id),
        )
        return changed > 0

    async def withdraw_reachouts(self, member_id: int) -> list[tuple[Reachout, list[tuple[str, str]]]]:
        async with self._db.transaction() as tx:
            posts = await tx.fetchall(
                "SELECT p.reachout_id, p.channel, p.message_id FROM checkin_reachout_posts p "
                "JOIN checkin_reachouts r ON r.id = p.reachout_id WHERE r.member_id = ? "
                "AND r.status IN ('open', 'escalated') ORDER BY p.message_id",
                (member_id,),
            )
            rows = await tx.fetchall(
                "DELETE FROM checkin_reachouts WHERE member_id = ? "
                "AND status IN ('open', 'escalated') RETURNING *",
                (member_id,),
            )
        where: dict[int, list[tuple[str, str]]] = {}
        for post in posts:
            where.setdefault(int(post["reachout_id"]), []).append(
                (str(post["channel"]), str(post["message_id"])))
        return [(_reachout(r), where.get(int(r["id"]), [])) for r in rows]

    async def record_reachout_post(self, reachout_id: int, channel: str, message_id: str) -> None:
        await self._db.execute(
            "INSERT INTO checkin_reachout_posts (reachout_id, channel, message_id) "
            "SELECT id, ?, ? FROM checkin_reachouts WHERE id = ? "
            "ON CONFLICT (reachout_id, message_id) DO NOTHING",
            (channel, message_id, reachout_id),
        )

    async def mark_reachout(self, reachout_id: int, *, status: ReachoutStatus | None = None,
                            reannounced: bool | None = None) -> None:
        if status is not None:
            await self._db.execute(
                "UPDATE checkin_reachouts SET status = ? WHERE id = ?", (status, reachout_id)
            )
        if reannounced is not None:
            await self._db.execute(
                "UPDATE checkin_reachouts SET reannounced = ? WHERE id = ?",
                (int(reannounced), reachout_id),
            )

    # -- group thread ----------------------------------------------------------------------------

    async def create_group_thread(self, community_id: int, channel: str,
                                  now: datetime) -> GroupThread:
        # The ref is made here, not in SQL: it is unique without a second statement, and
        # every engine makes it the same way.
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO checkin_group_threads (community_id, ref, channel, started_at) "
                "VALUES (?, ?, ?, ?) RETURNING *",
                (community_id, f"{GROUP_REF_PREFIX}{secrets.token_hex(8)}", channel, to_db(now)),
            )
        assert row is not None
        return _thread(row)

    async def latest_group_threads(self, community_id: int, limit: int = 2) -> list[GroupThread]:
        rows = await self._db.fetchall(
            "SELECT * FROM checkin_group_threads WHERE community_id = ? ORDER BY id DESC LIMIT ?",
            (community_id, limit),
        )
        return [_thread(r) for r in rows]

    async def daily_thread(self, community_id: int, day: str) -> DailyThread | None:
        row = await self._db.fetchone(
            "SELECT * FROM checkin_daily_threads WHERE community_id = ? AND day = ?",
            (community_id, day),
        )
        return None if row is None else _daily_from_row(row)

    async def create_daily_thread(self, community_id: int, day: str,
                                  channel: str) -> DailyThread:
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO checkin_daily_threads (community_id, day, ref, channel) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (community_id, day) DO UPDATE "
                "SET channel = checkin_daily_threads.channel RETURNING *",
                (community_id, day, f"{DAILY_REF_PREFIX}{community_id}-{day}", channel),
            )
        assert row is not None
        return _daily_from_row(row)

    async def set_daily_thread_platform_id(self, ref: str, thread: str) -> None:
        await self._db.execute(
            "UPDATE checkin_daily_threads SET thread = ? WHERE ref = ?", (thread, ref)
        )

    async def set_group_thread_platform_id(self, ref: str, thread: str) -> None:
        await self._db.execute(
            "UPDATE checkin_group_threads SET thread = ? WHERE ref = ?", (thread, ref)
        )

    async def find_group_thread(self, community_id: int, thread: str) -> GroupThread | None:
        row = await self._db.fetchone(
            "SELECT * FROM checkin_group_threads WHERE community_id = ? "
            "AND (ref = ? OR thread = ?) ORDER BY id DESC LIMIT 1",
            (community_id, thread, thread),
        )
        return None if row is None else _thread(row)

    async def record_group_post(self, thread_id: int, member_id: int, message_id: str) -> bool:
        async with self._db.transaction() as tx:
            new = await tx.execute(
                "INSERT INTO checkin_group_messages (thread_id, message_id) VALUES (?, ?) "
                "ON CONFLICT (thread_id, message_id) DO NOTHING",
                (thread_id, message_id),
            )
            if not new:
                return False
            await tx.execute(
                "INSERT INTO checkin_group_posts (thread_id, member_id, posts) VALUES (?, ?, 1) "
                "ON CONFLICT (thread_id, member_id) DO UPDATE SET posts = checkin_group_posts.posts + 1",
                (thread_id, member_id),
            )
        return True

    async def group_participation(self, thread_id: int) -> tuple[int, int]:
        row = await self._db.fetchone(
            "SELECT COUNT(*), COALESCE(SUM(posts), 0) FROM checkin_group_posts WHERE thread_id = ?",
            (thread_id,),
        )
        return (0, 0) if row is None else (int(row[0]), int(row[1]))
