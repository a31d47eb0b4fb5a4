"""docs/discord.md keeps its promises: what it says about Discord's rules and about Warmline's
own behaviour matches the current rules and the code (how the 4014 help is logged)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from adapters.discord.adapter import PORTAL_HELP
from tests.helpers.discord import Harness

DOC = (Path(__file__).resolve().parents[3] / "docs" / "discord.md").read_text(encoding="utf-8")


def _paragraph(starting: str) -> str:
    start = DOC.index(starting)
    end = DOC.find("\n\n", start)
    return " ".join(DOC[start:end].split())


def test_it_states_discords_verification_and_intent_rules_as_they_are_now() -> None:
    text = " ".join(DOC.split())
    assert "cannot join more than 100 servers" in text  # verification is about growing past 100
    assert "10,000 unique users" in text  # intent approval counts people since June 2026
    assert not re.search(r"100 or more servers must be verified before", text)
    assert "unverified bot in 100 or more servers" not in text


async def test_the_4014_help_is_an_error_and_the_docs_call_it_one(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.fake.privileged_intents = 0
    with caplog.at_level(logging.INFO, logger="adapters.discord.adapter"):
        await harness.warmline(message_content_intent=True)  # a deployment that opted in
    (logged,) = [r for r in caplog.records if r.getMessage() == PORTAL_HELP]
    level = logged.levelname.lower()
    troubleshooting = _paragraph("**Close code 4014")
    assert f"as an **{level}**" in troubleshooting
    for other in {"warning", "error"} - {level}:
        assert other not in troubleshooting.lower()
        assert other not in PORTAL_HELP.lower()


def test_it_says_how_to_find_a_server_id_for_dev_guild_id() -> None:
    text = " ".join(DOC.split())
    assert "Developer Mode" in text and "Copy Server ID" in text
    assert "User Settings → Advanced" in text
