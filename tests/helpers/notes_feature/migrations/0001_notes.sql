-- notes 0001: one private note per member. member_id REFERENCES members(id) ON DELETE CASCADE,
-- so export and delete find it with no code of their own.
CREATE TABLE notes_feature_notes (
    member_id  INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    ref        TEXT NOT NULL UNIQUE,
    body       TEXT NOT NULL
);
