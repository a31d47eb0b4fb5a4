"""Fixtures for the Slack adapter tests: a started fake Slack and a harness over it, both
stopped at teardown (every runtime and adapter the test started included)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.slack_api import FakeSlack
from tests.helpers.slack import SlackHarness


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def harness(slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackHarness]:
    h = SlackHarness(slack, tmp_path)
    try:
        yield h
    finally:
        await h.close()
