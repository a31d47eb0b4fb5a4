-- slack 0002: the event ids of the Slack messages Warmline handled in the last few hours, so a
-- delivery Slack retries (X-Slack-Retry-Num) after a restart is handled once. Ids only: no text,
-- no person (see adapters/slack/seen.py).
CREATE TABLE slack_message_events (
    event_id TEXT PRIMARY KEY,
    seen_at  TEXT NOT NULL
);

CREATE INDEX slack_message_events_seen_at ON slack_message_events (seen_at);
