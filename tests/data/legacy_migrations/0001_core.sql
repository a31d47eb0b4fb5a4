-- 0001: the core tables. Instants are UTC ISO-8601 text with microseconds and "+00:00"
-- (fixed width, so text order is time order). JSON columns hold objects/arrays as text.
-- Every table with rows about one member has member_id REFERENCES members(id) ON DELETE CASCADE:
-- export_member finds such tables by that column, delete_member relies on the cascade.

CREATE TABLE communities (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    platform_id TEXT NOT NULL,
    name        TEXT,
    settings    TEXT NOT NULL DEFAULT '{}',
    UNIQUE (platform, platform_id)
);

CREATE TABLE members (
    id                 INTEGER PRIMARY KEY,
    community_id       INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    platform_user_id   TEXT NOT NULL,
    display_name       TEXT,
    timezone           TEXT,
    quiet_hours        TEXT,
    roles              TEXT NOT NULL DEFAULT '[]',
    reachable          INTEGER NOT NULL DEFAULT 1,
    unreachable_reason TEXT,
    created_at         TEXT NOT NULL,
    UNIQUE (community_id, platform_user_id)
);
CREATE INDEX members_platform_user ON members (platform_user_id);

CREATE TABLE channels (
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    purpose      TEXT NOT NULL,
    channel_id   TEXT NOT NULL,
    PRIMARY KEY (community_id, purpose)
) WITHOUT ROWID;

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    community_id INTEGER REFERENCES communities(id) ON DELETE CASCADE,
    member_id    INTEGER REFERENCES members(id) ON DELETE CASCADE,
    rule         TEXT,
    zone         TEXT NOT NULL,
    next_run     TEXT,
    payload      TEXT NOT NULL DEFAULT '{}',
    version      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (kind, subject)
);
CREATE INDEX jobs_next_run ON jobs (next_run) WHERE next_run IS NOT NULL;
CREATE INDEX jobs_member ON jobs (member_id) WHERE member_id IS NOT NULL;

-- (job_id, occurrence) is the idempotency key: an occurrence can be claimed once, ever.
CREATE TABLE deliveries (
    job_id     INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    occurrence TEXT NOT NULL,
    status     TEXT NOT NULL
               CHECK (status IN ('claimed', 'sent', 'skipped', 'failed', 'unknown')),
    reason     TEXT,
    claimed_at TEXT NOT NULL,
    done_at    TEXT,
    PRIMARY KEY (job_id, occurrence)
) WITHOUT ROWID;
CREATE INDEX deliveries_claimed ON deliveries (status) WHERE status = 'claimed';

CREATE TABLE seen_events (
    platform TEXT NOT NULL,
    event_id TEXT NOT NULL,
    seen_at  TEXT NOT NULL,
    PRIMARY KEY (platform, event_id)
) WITHOUT ROWID;
CREATE INDEX seen_events_seen_at ON seen_events (seen_at);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    detail       TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX audit_log_community ON audit_log (community_id, id);
