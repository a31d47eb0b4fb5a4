"""The pure parts of the Slack adapter: commands from CommandSpecs and their arguments, the id
codec, safe mrkdwn, Block Kit limits, DND windows, and the manifest."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from adapters.slack.blocks import (
    MAX_BLOCKS,
    MAX_BUTTONS,
    escape,
    home_view,
    message_blocks,
    modal_view,
)
from adapters.slack.commands import CommandShapeError, CommandTable
from adapters.slack.convert import dnd_active, form_values
from adapters.slack.custom_ids import (
    IdTooLong,
    decode_action_id,
    decode_callback_id,
    decode_metadata,
    encode_action_id,
    encode_metadata,
)
from adapters.slack.manifest import BOT_EVENTS, BOT_SCOPES, MANIFEST_FILE, manifest, render
from bot.actions import Button, Form, FormField
from bot.feature import ArgSpec, CommandSpec

SPECS = (
    CommandSpec(name="warmline help", description="Help"),
    CommandSpec(name="warmline setup channel", description="x", moderator_only=True, args=(
        ArgSpec(name="purpose", description="x", kind="choice", choices=("support",)),
        ArgSpec(name="channel", description="x", kind="channel"))),
    CommandSpec(name="checkin join", description="x"),
    CommandSpec(name="checkin timezone", description="x",
                args=(ArgSpec(name="zone", description="x", kind="timezone"),)),
    CommandSpec(name="checkin goal", description="x",
                args=(ArgSpec(name="goal", description="x", required=False),)),
    CommandSpec(name="checkin time", description="x", args=(
        ArgSpec(name="time", description="x", kind="time"),
        ArgSpec(name="days", description="x", kind="days", required=False))),
)


@pytest.mark.parametrize(("typed", "name", "args"), [
    ("", "warmline help", {}),
    ("help", "warmline help", {}),
    ("checkin join", "checkin join", {}),
    ("CHECKIN Join", "checkin join", {}),
    ("checkin timezone Europe/Paris", "checkin timezone", {"zone": "Europe/Paris"}),
    ("checkin timezone zone=Asia/Tokyo", "checkin timezone", {"zone": "Asia/Tokyo"}),
    ("checkin goal walk in the park, twice", "checkin goal", {"goal": "walk in the park, twice"}),
    ("checkin goal I'll rest", "checkin goal", {"goal": "I'll rest"}),
    ("checkin time 08:30 mon-fri", "checkin time", {"time": "08:30", "days": "mon-fri"}),
    ("checkin time days=sat 10:00", "checkin time", {"time": "10:00", "days": "sat"}),
    ("setup channel support <#C0123ABC|support>", "warmline setup channel",
     {"purpose": "support", "channel": "C0123ABC"}),
    ("dance now", "dance now", {}),
])
def test_subcommands_and_their_arguments(typed: str, name: str, args: dict[str, str]) -> None:
    parsed = CommandTable(SPECS).parse(typed)
    assert (parsed.name, parsed.args) == (name, args)


def test_help_names_each_command_as_typed_on_slack_and_clashes_fail_at_start() -> None:
    typed = CommandTable(SPECS).typed()
    assert typed["checkin join"] == "warmline checkin join"
    assert typed["warmline setup channel"] == "warmline setup channel"
    with pytest.raises(CommandShapeError):
        CommandTable((CommandSpec(name="help", description="x"),
                      CommandSpec(name="warmline help", description="y")))


def test_the_id_codec_round_trips_and_refuses_what_slack_would_refuse() -> None:
    assert decode_action_id(encode_action_id("checkin.mood", 3)) == "checkin.mood"
    assert decode_action_id("another_apps_button") is None
    assert decode_callback_id("wl:checkin.note") == "checkin.note"
    assert decode_metadata(encode_metadata("p1:2", "C1")) == ("p1:2", "C1")
    assert decode_metadata("not json") == ("", None)
    with pytest.raises(ValueError):
        encode_action_id("a:b")
    with pytest.raises(IdTooLong):
        encode_metadata("x" * 3000, None)


@pytest.mark.parametrize("text", [
    "<!channel> look", "<!here>", "<!everyone> hi", "<!subteam^S0123|@mods> hi",
    "<https://evil.example|click>", "a <@U1|fake> b",
])
def test_member_text_can_never_become_a_broadcast_a_group_ping_or_a_link(text: str) -> None:
    out = escape(text)
    assert "<!" not in out and "<http" not in out and "<@U1|" not in out
    assert "&lt;" in out


def test_escaping_keeps_the_cores_own_mentions_and_escapes_ampersands() -> None:
    assert escape("<@U0ABC123> & <#C0XYZ> > 3 <4") == "<@U0ABC123> &amp; <#C0XYZ> &gt; 3 &lt;4"


def test_buttons_go_five_to_an_actions_block_with_unique_ids() -> None:
    buttons = [Button(action="checkin.mood", value=str(i), label=f"{i}",
                      style="primary" if i == 1 else "secondary") for i in range(12)]
    blocks = message_blocks("How are you?", buttons)
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [len(b["elements"]) for b in actions] == [5, 5, 2]
    ids = [e["action_id"] for b in actions for e in b["elements"]]
    assert len(set(ids)) == 12 and len(blocks) <= MAX_BLOCKS
    assert actions[0]["elements"][1]["style"] == "primary"
    assert "style" not in actions[0]["elements"][0]
    with pytest.raises(ValueError):
        message_blocks("x", [Button(action="a", label="b")] * (MAX_BUTTONS + 1))


def test_a_modal_fits_slacks_limits() -> None:
    form = Form(id="checkin.note", title="A note for today, only for you to read later",
                context="p1", fields=(FormField(id="note", label="Note", multiline=True,
                                                max_length=9000, placeholder="p" * 400),))
    view = modal_view(form, "D1")
    assert len(view["title"]["text"]) <= 24 and view["title"]["text"].endswith("…")
    (block,) = view["blocks"]
    assert block["block_id"] == "note" and block["optional"]
    assert block["element"]["max_length"] == 3000
    assert len(block["element"]["placeholder"]["text"]) <= 150
    assert form_values({"values": {"note": {"value": {"type": "plain_text_input",
                                                      "value": None}}}}) == {"note": ""}


def test_the_home_view_stays_within_a_hundred_blocks() -> None:
    view = home_view([f"section {i}" for i in range(80)])
    assert len(view["blocks"]) <= 100


def test_dnd_is_on_inside_a_window_or_a_snooze() -> None:
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    t = now.timestamp()
    assert dnd_active({"dnd_enabled": True, "next_dnd_start_ts": t - 5,
                       "next_dnd_end_ts": t + 5}, now) == (True, datetime.fromtimestamp(t + 5, UTC))
    assert dnd_active({"dnd_enabled": True, "next_dnd_start_ts": t + 60,
                       "next_dnd_end_ts": t + 120}, now) == (False, None)  # not begun yet
    assert dnd_active({"snooze_enabled": True, "snooze_endtime": t + 30}, now)[0]
    assert dnd_active({"dnd_enabled": False}, now) == (False, None)


def test_the_manifest_file_is_current_and_http_mode_fills_in_the_urls() -> None:
    assert MANIFEST_FILE.read_text(encoding="utf-8") == render(), (
        "adapters/slack/manifest.yml is stale: python -c 'from adapters.slack.manifest import "
        "render; print(render(), end=\"\")' > adapters/slack/manifest.yml")
    socket = manifest()
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in socket["settings"]["event_subscriptions"]
    http = manifest(url="https://care.example.org/", oauth=True)
    assert http["settings"]["socket_mode_enabled"] is False
    assert http["settings"]["event_subscriptions"]["request_url"] == \
        "https://care.example.org/slack/events"
    assert http["features"]["slash_commands"][0]["url"] == "https://care.example.org/slack/events"
    assert http["oauth_config"]["redirect_urls"] == ["https://care.example.org/slack/oauth_redirect"]
    assert socket["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    assert socket["settings"]["event_subscriptions"]["bot_events"] == list(BOT_EVENTS)


def test_warmline_slack_manifest_prints_it() -> None:
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "slack", "manifest", "--url",
                           "https://care.example.org"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert 'request_url: "https://care.example.org/slack/events"' in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "bot.cli", "slack", "manifest", "--oauth"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "--oauth needs --url" in bad.stderr
