-- checkin 0004: insights show closed weeks only, and each closed week's totals are kept the first
-- time a moderator looks at it. Every later view of that week shows the same row, so nothing a
-- member does afterwards (deleting their data, leaving, a moderator moving the community's
-- timezone) can make two views differ and point at one person. Aggregates only: no member_id,
-- no mood of anyone in particular; `moods` is a JSON object from mood value to count.
CREATE TABLE checkin_insight_periods (
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    period       TEXT NOT NULL,
    starts_at    TEXT NOT NULL,
    ends_at      TEXT NOT NULL,
    prompted     INTEGER NOT NULL,
    members      INTEGER NOT NULL,
    answers      INTEGER NOT NULL,
    skips        INTEGER NOT NULL,
    moods        TEXT NOT NULL,
    PRIMARY KEY (community_id, period)
) WITHOUT ROWID;
