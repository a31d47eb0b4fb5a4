"""Gateway closes Discord says not to reconnect on stop the process loudly; ordinary reconnects
are one line each, without a traceback. The REAL discord.py inside the real runtime, against the
local fake."""

from __future__ import annotations

import asyncio
import logging

import pytest

from adapters.discord.adapter import GATEWAY_FATAL
from bot.adapter import Fatal
from tests.helpers.discord import Harness, Running


async def stopped_by_itself(run: Running) -> None:
    """The runtime ends without anyone setting ``stop`` from outside."""
    await asyncio.wait_for(asyncio.shield(run.task), 15)
    assert run.stop.is_set()


async def test_a_token_reset_closes_4004_and_the_runtime_stops_saying_what_to_do(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    fake = harness.fake
    fake.token = "fake-token"
    run = await harness.warmline()
    fake.token = "the-new-token"  # reset in the Developer Portal: the old one stops working
    with caplog.at_level(logging.INFO):
        await fake.disconnect(4000)  # the RESUME is refused, the new IDENTIFY closes 4004
        await stopped_by_itself(run)
    assert 4004 in fake.close_codes
    assert run.adapter.failed.is_set()
    assert isinstance(run.adapter.failure, Fatal)
    assert run.bot.adapter_failure is not None and run.bot.adapter_failure[0] == "discord"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("4004" in m and "authentication failed" in m and "WARMLINE_DISCORD_TOKEN" in m
               for m in errors), errors
    assert any("adapter discord failed (Fatal)" in m for m in errors), errors
    assert "the-new-token" not in caplog.text and "fake-token" not in caplog.text
    assert run.adapter.owned_tasks == 0 or run.adapter.client is None


@pytest.mark.parametrize("code", [4010, 4011, 4012, 4013])
async def test_every_close_discord_says_not_to_reconnect_on_stops_the_runtime(
    harness: Harness, caplog: pytest.LogCaptureFixture, code: int
) -> None:
    run = await harness.warmline()
    with caplog.at_level(logging.ERROR):
        await harness.fake.disconnect(code)
        await stopped_by_itself(run)
    meaning, _ = GATEWAY_FATAL[code]
    assert isinstance(run.adapter.failure, Fatal)
    assert any(str(code) in r.getMessage() and meaning in r.getMessage() for r in caplog.records)
    assert len(harness.fake.identifies) == 1, "it must not reconnect"


async def test_a_close_that_may_be_resumed_keeps_running(harness: Harness) -> None:
    fake = harness.fake
    run = await harness.warmline()
    await fake.disconnect(4000)
    await fake.wait_resumed()
    assert not run.adapter.failed.is_set() and not run.task.done()


async def test_reconnect_attempts_after_an_outage_are_one_line_without_a_traceback(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    fake = harness.fake
    run = await harness.warmline()
    fake.refuse_gateway(1)  # the next connection answers 502, as during an outage
    with caplog.at_level(logging.DEBUG, logger="discord"):
        await fake.disconnect(4000)
        await fake.wait_resumed(within=15)
    attempts = [r for r in caplog.records
                if r.name.startswith("discord") and "reconnect" in r.getMessage().lower()
                and r.levelno >= logging.WARNING]
    assert attempts, "the attempt is logged"
    for record in attempts:
        assert record.exc_info is None and not record.exc_text
        assert record.levelno == logging.WARNING
        assert "WSServerHandshakeError" in record.getMessage()
    assert "Traceback" not in caplog.text
    assert not run.adapter.failed.is_set()
