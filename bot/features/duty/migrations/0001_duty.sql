-- duty 0001: supporters' boundaries. Only ids and times: never what anyone wrote.

-- One row per supporter who has used a duty command.
CREATE TABLE duty_supporters (
    member_id     INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    on_duty       INTEGER NOT NULL DEFAULT 0,
    since         TEXT,
    hours         TEXT,
    last_asked    TEXT,
    wellbeing     INTEGER NOT NULL DEFAULT 0,
    cap_noted     TEXT
);
CREATE INDEX duty_supporters_community ON duty_supporters (community_id);

-- Each stretch on duty (for the weekly soft cap and "duty status").
CREATE TABLE duty_stretches (
    id        INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    started   TEXT NOT NULL,
    ended     TEXT
);
CREATE INDEX duty_stretches_member ON duty_stretches (member_id, started);

-- Work a supporter took on (a reach-out they claimed, an alert they acknowledged): the cap.
CREATE TABLE duty_work (
    id        INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    taken     TEXT NOT NULL,
    done      TEXT,
    UNIQUE (member_id, kind, subject)
);
CREATE INDEX duty_work_open ON duty_work (kind, subject) WHERE done IS NULL;
