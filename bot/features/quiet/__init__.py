"""Quiet hours, snooze and do-not-disturb: a member's boundaries, set by the member."""
