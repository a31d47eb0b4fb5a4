-- listening 0001: posts in the support channel, the private notes supporters were sent, and each
-- person's choice about those notes. Ids and instants only: never what anyone wrote.
-- Every row about a member has member_id REFERENCES members(id) ON DELETE CASCADE, so privacy
-- export and delete cover it with no code of their own.

-- A member's post in the support channel (a "share"): when, where, and whether someone answered it
-- or supporters were shown it. `channel` is where the post is (its thread, for a thread starter).
CREATE TABLE listening_shares (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    channel      TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    posted_at    TEXT NOT NULL,
    answered_at  TEXT,
    surfaced_at  TEXT,
    UNIQUE (community_id, message_id)
);
CREATE INDEX listening_shares_waiting ON listening_shares (community_id, posted_at)
    WHERE answered_at IS NULL AND surfaced_at IS NULL;

-- A private note a replier was sent about one reply: a nudge, or thanks for a good reply.
-- One per person and post, ever; the newest one per person is the rate limit.
CREATE TABLE listening_notes (
    id        INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    share_id  INTEGER REFERENCES listening_shares(id) ON DELETE SET NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('nudge', 'thanks')),
    sent_at   TEXT NOT NULL,
    UNIQUE (member_id, share_id)
);
CREATE INDEX listening_notes_member ON listening_notes (member_id, sent_at);

-- A person's own choice about the notes (none: the default for their role applies).
CREATE TABLE listening_prefs (
    member_id  INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    nudges     INTEGER NOT NULL CHECK (nudges IN (0, 1)),
    changed_at TEXT NOT NULL
);
