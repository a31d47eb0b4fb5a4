-- checkin 0003: posts in a group thread are counted by message id, so a replayed or overlapping
-- delivery of the same message (a restart, a RESUME, a second reader) changes nothing. Only the
-- platform's message id is kept, never the text, and only while the thread's row exists.
CREATE TABLE checkin_group_messages (
    thread_id  INTEGER NOT NULL REFERENCES checkin_group_threads(id) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    PRIMARY KEY (thread_id, message_id)
) WITHOUT ROWID;
