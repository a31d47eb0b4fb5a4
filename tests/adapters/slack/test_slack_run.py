"""``warmline run`` with a ``[slack]`` section: the composition root builds the Slack adapter,
which connects in Socket Mode (the default) to the fake given as ``api_base_url``, answers a
command, and stops cleanly on SIGTERM; a token Slack refuses ends it with one clear line."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from asyncio.subprocess import Process
from pathlib import Path

import pytest

from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_payloads import SlackPayloads

ROOT = Path(__file__).resolve().parents[3]


async def warmline_run(slack: FakeSlack, tmp_path: Path, bot_token: str) -> Process:
    """``warmline run`` with a ``[slack]`` section pointed at the fake (Socket Mode)."""
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "w.db"}"\n'
                      f'[slack]\napi_base_url = "{slack.api_base}"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARMLINE_")}
    env.update(WARMLINE_SLACK_BOT_TOKEN=bot_token, WARMLINE_SLACK_APP_TOKEN="xapp-run")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--config", str(config), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


@pytest.mark.slow
async def test_warmline_run_serves_slack_in_socket_mode_and_stops_on_sigterm(
    slack: FakeSlack, tmp_path: Path,
) -> None:
    proc = await warmline_run(slack, tmp_path, "xoxb-run")
    try:
        await slack.wait_until(lambda: slack.sockets, what="the Socket Mode connection",
                               within=30)
        payloads = SlackPayloads(response_base=f"{slack.base}/response")
        fields = payloads.command("privacy info")
        envelope = await slack.push("slash_commands", fields, accepts_response_payload=True)
        token = fields["response_url"].rsplit("/", 1)[1]
        await slack.wait_until(lambda: envelope in slack.acks and slack.responses_to(token),
                               what="the acked and answered command", within=30)
        assert {c.token for c in slack.calls_to("auth.test")} == {"xoxb-run"}
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        assert proc.stderr is not None
        err = (await asyncio.wait_for(proc.stderr.read(), 30)).decode()
        await asyncio.wait_for(proc.wait(), 30)
    assert proc.returncode == 0, err
    assert "xoxb-run" not in err and "xapp-run" not in err


@pytest.mark.slow
async def test_a_refused_bot_token_stops_warmline_run_with_one_clear_line(
    slack: FakeSlack, tmp_path: Path,
) -> None:
    proc = await warmline_run(slack, tmp_path, "xoxb-revoked-1")
    _, raw = await asyncio.wait_for(proc.communicate(), 60)
    err = raw.decode()
    assert proc.returncode == 5, err  # ExitCode.PLATFORM
    lines = [line for line in err.splitlines() if line.startswith("warmline: ")]
    assert any("Slack refused the bot token (token_revoked)" in line for line in lines), err
    assert "Traceback" not in err and "xoxb-revoked-1" not in err
