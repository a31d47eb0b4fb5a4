-- slack 0001: the Slack adapter's own tables. Workspaces that installed Warmline through Slack's
-- OAuth pages (the installation as Slack gave it, tokens included), and the OAuth "state"
-- values of installs in progress. No member_id: nothing here is about one member.
CREATE TABLE slack_installations (
    team_key      TEXT PRIMARY KEY,   -- "<enterprise id or ''>:<team id or ''>"
    team_id       TEXT,
    enterprise_id TEXT,
    data          TEXT NOT NULL,
    installed_at  TEXT NOT NULL
);

CREATE TABLE slack_oauth_states (
    state      TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);
