-- core 0004: what quiet hours need. A member can snooze (everything non-urgent waits until
-- snoozed_until) and their platform can say they are in do-not-disturb (dnd_until; the far future
-- when it has no end). Actions the gate holds back wait in `deferred` until release_at, durably:
-- a restart neither loses nor repeats them. Rows cascade with their member (export and delete
-- cover them). A row is 'waiting' until released, 'sending' while it is handed on (after a crash
-- it is never resent: it becomes 'dropped', reason 'unknown'), and deleted once sent; an expired
-- one is kept as 'dropped' with its reason for a while, so "why didn't I get it?" has an answer.

ALTER TABLE members ADD COLUMN snoozed_until TEXT;
ALTER TABLE members ADD COLUMN dnd_until TEXT;

CREATE TABLE deferred (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    release_at TEXT NOT NULL,
    expires_at TEXT,
    action     TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'sending', 'dropped')),
    reason     TEXT,
    created_at TEXT NOT NULL
);

-- The next release time, and the release sweep's pages of members (in member order).
CREATE INDEX deferred_next ON deferred (release_at) WHERE status = 'waiting';
CREATE INDEX deferred_waiting ON deferred (member_id, release_at, id) WHERE status = 'waiting';
CREATE INDEX deferred_member ON deferred (member_id, status);
