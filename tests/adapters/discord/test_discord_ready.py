"""The Discord adapter's ``ready`` (what ``/healthz`` asks): False until READY, False while the
gateway reconnects, True once it has RESUMED, False after stop. The REAL discord.py inside the
real runtime, against the local fake."""

from __future__ import annotations

from bot.adapter import adapter_ready
from tests.helpers.discord import Harness


async def test_ready_follows_the_gateway_connection(harness: Harness) -> None:
    fake = harness.fake
    idle = harness.adapter()
    assert adapter_ready(idle) is False  # never started
    run = await harness.warmline()
    assert run.adapter.ready is True
    assert (await run.bot.health())["adapter:discord"] is True
    await fake.disconnect(4000, hold_reconnect=True)
    await fake.wait_until(lambda: not run.adapter.ready, what="the adapter to notice")
    assert (await run.bot.health())["adapter:discord"] is False
    fake.allow_reconnect()
    await fake.wait_resumed()
    await fake.wait_until(lambda: run.adapter.ready, what="ready again after RESUME")
    await harness.shutdown(run)
    assert run.adapter.ready is False
