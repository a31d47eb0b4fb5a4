"""A stop while a command is being handled: the person still gets their answer, because the
adapters close only after the events in flight are answered."""

from __future__ import annotations

import asyncio

from tests.helpers.discord import Harness


async def test_an_interaction_in_flight_at_shutdown_is_answered(harness: Harness) -> None:
    fake = harness.fake
    run = await harness.warmline(ack_after=0.05)
    run.probe.gate = asyncio.Event()
    asked = await fake.slash("probe", subcommand="slow")
    await asyncio.wait_for(run.probe.slow_started.wait(), 5)

    stopping = asyncio.create_task(harness.shutdown(run))  # SIGTERM arrives mid-command
    await asyncio.sleep(0.1)
    assert not stopping.done()  # shutdown waits for the command in hand
    run.probe.gate.set()
    await asyncio.wait_for(stopping, 15)

    replies = [r for r in fake.interaction_replies if r.interaction_id == asked["id"]]
    contents = [r.data.get("content") for r in replies if r.data] + [
        f.body.get("content") for f in fake.followups if f.interaction_id == asked["id"]]
    edits = [e.body.get("content") for e in fake.message_edits if e.kind == "original"]
    assert "slow answer" in [*contents, *edits]
