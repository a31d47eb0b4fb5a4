-- checkin 0001 (0002 before streams): check-ins. Every table with rows about a member has member_id REFERENCES members(id)
-- ON DELETE CASCADE, so export_member finds them and delete_member removes them.
-- The only member-written text is checkin_prompts.note (their own note, capped in the feature)
-- and checkin_enrolments.goal (their own goal); nothing else stores message text.

CREATE TABLE checkin_enrolments (
    member_id    INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    rule         TEXT,
    paused_until TEXT,
    goal         TEXT,
    goal_set_at  TEXT,
    joined_at    TEXT NOT NULL
);
CREATE INDEX checkin_enrolments_community ON checkin_enrolments (community_id);

CREATE TABLE checkin_prompts (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    sent_at      TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'skipped')),
    mood         INTEGER CHECK (mood BETWEEN 1 AND 5),
    note         TEXT,
    answered_at  TEXT,
    goal         TEXT,
    goal_answer  TEXT,
    offer        TEXT
);
CREATE INDEX checkin_prompts_member ON checkin_prompts (member_id, sent_at);
CREATE INDEX checkin_prompts_community ON checkin_prompts (community_id, answered_at)
    WHERE answered_at IS NOT NULL;

CREATE TABLE checkin_reachouts (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    prompt_id    INTEGER UNIQUE REFERENCES checkin_prompts(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'claimed', 'escalated')),
    claimed_by   INTEGER REFERENCES members(id) ON DELETE SET NULL,
    claimed_at   TEXT,
    reannounced  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE checkin_group_threads (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    ref          TEXT NOT NULL UNIQUE,
    channel      TEXT NOT NULL,
    thread       TEXT,
    started_at   TEXT NOT NULL
);
CREATE INDEX checkin_group_threads_community ON checkin_group_threads (community_id, id);

-- Who took part and how often; never what they wrote.
CREATE TABLE checkin_group_posts (
    thread_id INTEGER NOT NULL REFERENCES checkin_group_threads(id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    posts     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (thread_id, member_id)
) WITHOUT ROWID;
