"""Listening: notice roadblocks in a draft reply to a share, and credit the listening in it."""
