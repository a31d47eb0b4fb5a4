-- safety 0001: the fact of each detection (never the message: no text, no message id), and each
-- member's own choices (their region for resources, whether moderators are told).
CREATE TABLE safety_detections (
    id             INTEGER PRIMARY KEY,
    community_id   INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    member_id      INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    at             TEXT NOT NULL,
    channel        TEXT NOT NULL,
    tier           TEXT NOT NULL CHECK (tier IN ('passive', 'active', 'imminent')),
    concern        TEXT NOT NULL CHECK (concern IN ('own', 'someone_else', 'reply')),
    replied        INTEGER NOT NULL DEFAULT 0,
    alert          TEXT NOT NULL DEFAULT 'none'
                   CHECK (alert IN ('none', 'open', 'acknowledged', 'closed', 'dismissed')),
    false_positive INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX safety_detections_member ON safety_detections (member_id, at);
CREATE INDEX safety_detections_at ON safety_detections (at);

CREATE TABLE safety_members (
    member_id  INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    region     TEXT,
    alerts_off INTEGER NOT NULL DEFAULT 0
);
