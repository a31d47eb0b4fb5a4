-- Thread delivery: one check-in thread per community per local day, in the check-ins channel.
-- `thread` is the platform's id, learned once the thread exists.
CREATE TABLE checkin_daily_threads (
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    day          TEXT NOT NULL,
    ref          TEXT NOT NULL UNIQUE,
    channel      TEXT NOT NULL,
    thread       TEXT,
    PRIMARY KEY (community_id, day)
);
