"""`warmline demo` plays the whole scripted day without a hitch and shows each feature."""

from __future__ import annotations

import io

from bot.sim.demo import run_demo


async def test_the_demo_runs_start_to_finish_and_shows_every_moment() -> None:
    out = io.StringIO()
    assert await run_demo(out) == 0
    text = out.getvalue()
    for moment in (
        "Only moderators can change this",          # permissions, kindly
        "What I keep",                               # privacy in plain words
        "You're signed up for check-ins",            # consent first
        "Hi Sam. How are you doing today?",          # the 09:00 check-in
        "Your note is saved",                        # a note only Sam sees
        "Would you like someone from the group to reach out?",  # the gentle offer
        "Could you be the one?",                     # supporters asked
        "Dee from the group will reach out to you soon.",       # the claim
        "Warmline in #supporters: @Eve @Sam would welcome",     # the supporter on duty, by name
        "Warmline in #supporters: @Dee Still open",  # Eve went off duty: Dee is asked instead
        "switched you off to give you a proper break",  # the longest stretch, kindly
        "That was a heavy one",                      # care for the carer
        "Tue 03 Mar 04:00 UTC = Tue 03 Mar 09:30 IST for them",  # Ana's check-in, after quiet hours
        "A quick, private note about your reply in #support",  # a nudge, to Dee alone
        "Here is what I noticed in your draft",      # Reply with care
        "hasn't had a reply for 30 minutes: [link to message post-2",  # an unanswered post
        "Recent changes",                            # the audit log
        "docs/discord.md",                           # how to try it for real
    ):
        assert moment in text, moment
    assert "demo step failed" not in text
