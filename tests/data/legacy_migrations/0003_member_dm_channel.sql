-- The id of a member's private conversation with the bot, as the platform reported it after the
-- first direct message. Reusing it avoids re-opening conversations after a restart (Discord
-- treats many new DM openings as spam). Deleted with the member, like everything about them.
ALTER TABLE members ADD COLUMN dm_channel TEXT;
