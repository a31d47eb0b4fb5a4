-- checkin 0005: where each request for someone to reach out was posted (the platform's ids),
-- so that withdrawing the request can edit those posts to say it is no longer open.
CREATE TABLE checkin_reachout_posts (
    reachout_id INTEGER NOT NULL REFERENCES checkin_reachouts(id) ON DELETE CASCADE,
    channel     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    PRIMARY KEY (reachout_id, message_id)
) WITHOUT ROWID;
