"""Slack's retried message deliveries, handled once across restarts too.

Why here and not in the core: the core drops a redelivered event by its ``event_id``, durably for
interactions and membership changes but only in memory for plain messages, because a write per
message would dominate the message hot path (``bot.runtime.core``). Slack retries a delivery it
thinks failed (``X-Slack-Retry-Num``, up to three times within the hour), and a retry may arrive
after Warmline restarted, when the core's memory is empty. Only Slack says which deliveries are
retries, so the adapter keeps the rest of the answer, in a table of its own
(``slack_message_events``, migration ``slack 0002``):

- a first delivery is handled at once and its ``event_id`` is only *noted*: the ids are written
  in one batch a moment later (:data:`FLUSH_AFTER`), off the hot path, and on stop;
- a retried delivery (the only kind that can be a duplicate) looks its id up first (the batch
  not yet written included), and goes on only if it was never handled, recording it at once.

What it cannot catch: a message handled in the last :data:`FLUSH_AFTER` before a crash (not a
clean stop) whose retry then arrives. Ids older than :data:`KEEP` are deleted: Slack's last retry
comes about an hour after the first delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from bot.store.db import Db, to_db

__all__ = ["FLUSH_AFTER", "KEEP", "SeenMessages"]

log = logging.getLogger(__name__)

FLUSH_AFTER = 0.5
"""Seconds a noted id waits to be written with the others that came meanwhile."""
KEEP = timedelta(hours=6)
PRUNE_EVERY = timedelta(minutes=10)


class SeenMessages:
    def __init__(self, db: Db) -> None:
        self.db = db
        self._pending: dict[str, None] = {}
        self._flusher: asyncio.Task[None] | None = None
        self._pruned: datetime | None = None

    def note(self, event_id: str) -> None:
        """A first delivery was handed to the core: its id is written with the next batch."""
        self._pending[event_id] = None
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_soon(), name="slack-seen-flush")

    async def first_time(self, event_id: str) -> bool:
        """For a retried delivery: False if this id was handled before (now or before a
        restart); else it is recorded now and True."""
        if event_id in self._pending:
            return False
        now = datetime.now(UTC)
        changed = await self.db.execute(
            "INSERT INTO slack_message_events (event_id, seen_at) VALUES (?, ?) "
            "ON CONFLICT (event_id) DO NOTHING", (event_id, to_db(now)))
        return changed > 0

    async def _flush_soon(self) -> None:
        await asyncio.sleep(FLUSH_AFTER)
        await self.flush()

    async def flush(self) -> None:
        """Write the noted ids (and, now and then, delete the old ones)."""
        if not self._pending:
            return
        ids, self._pending = list(self._pending), {}
        now = datetime.now(UTC)
        stamp = to_db(now)
        try:
            async with self.db.transaction() as tx:
                await tx.executemany(
                    "INSERT INTO slack_message_events (event_id, seen_at) VALUES (?, ?) "
                    "ON CONFLICT (event_id) DO NOTHING", [(i, stamp) for i in ids])
                if self._pruned is None or now - self._pruned > PRUNE_EVERY:
                    self._pruned = now
                    await tx.execute("DELETE FROM slack_message_events WHERE seen_at < ?",
                                     (to_db(now - KEEP),))
        except Exception as exc:  # a lost batch only weakens retry detection: never fail
            log.warning("slack: could not record %d message ids (%s)", len(ids),
                        type(exc).__name__)

    async def close(self) -> None:
        """Write what is noted (a clean stop loses nothing)."""
        flusher, self._flusher = self._flusher, None
        if flusher is not None and not flusher.done():
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
        await self.flush()
