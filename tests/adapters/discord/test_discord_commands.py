"""Slash commands are built from the core's CommandSpecs, never written by hand."""

from __future__ import annotations

import pytest

from adapters.discord.cli import PERMISSION_INTEGER, client_id_from_token, invite_url, main
from adapters.discord.commands import (
    MANAGE_GUILD,
    CommandShapeError,
    build_commands,
    core_command_name,
)
from bot.feature import ArgSpec, CommandSpec

SPECS = (
    CommandSpec(name="checkin join", description="Join daily check-ins"),
    CommandSpec(
        name="checkin timezone",
        description="Your timezone",
        args=(ArgSpec(name="zone", description="e.g. Europe/Paris", kind="timezone"),),
    ),
    CommandSpec(name="checkin insights", description="Community trends", moderator_only=True),
    CommandSpec(
        name="warmline setup channel",
        description="Pick a channel",
        moderator_only=True,
        args=(
            ArgSpec(name="note", description="optional", required=False),
            ArgSpec(name="channel", description="The channel", kind="channel"),
            ArgSpec(
                name="purpose",
                description="What for",
                kind="choice",
                choices=("support", "checkins"),
            ),
        ),
    ),
    CommandSpec(name="warmline audit", description="Recent changes", moderator_only=True),
)


def _by_name(payload: list[dict]) -> dict[str, dict]:  # type: ignore[type-arg]
    return {c["name"]: c for c in payload}


def test_commands_are_grouped_by_their_first_word() -> None:
    tops = _by_name(build_commands(SPECS))
    assert set(tops) == {"checkin", "checkin-admin", "warmline-admin"}
    assert [o["name"] for o in tops["checkin"]["options"]] == ["join", "timezone"]
    assert [o["name"] for o in tops["checkin-admin"]["options"]] == ["insights"]
    setup = tops["warmline-admin"]["options"][0]
    assert (setup["type"], setup["name"]) == (2, "setup")
    assert setup["options"][0]["name"] == "channel"


def test_option_kinds_map_to_discord_types_and_required_ones_come_first() -> None:
    tops = _by_name(build_commands(SPECS))
    zone = tops["checkin"]["options"][1]["options"][0]
    assert (zone["type"], zone["autocomplete"]) == (3, True)
    channel_cmd = tops["warmline-admin"]["options"][0]["options"][0]
    options = channel_cmd["options"]
    assert [o["name"] for o in options] == ["channel", "purpose", "note"]
    assert options[0]["type"] == 7
    assert options[1]["choices"] == [
        {"name": "support", "value": "support"},
        {"name": "checkins", "value": "checkins"},
    ]


def test_a_group_of_moderator_commands_is_hidden_from_members_by_default() -> None:
    tops = _by_name(build_commands(SPECS))
    assert tops["warmline-admin"]["default_member_permissions"] == str(MANAGE_GUILD)
    assert tops["checkin-admin"]["default_member_permissions"] == str(MANAGE_GUILD)
    # members' commands stay visible to everyone
    assert "default_member_permissions" not in tops["checkin"]


def test_moderator_group_names_map_back_to_the_cores_names() -> None:
    assert core_command_name("checkin-admin setup") == "checkin setup"
    assert core_command_name("warmline-admin setup channel") == "warmline setup channel"
    assert core_command_name("checkin join") == "checkin join"
    assert core_command_name("solo-admin") == "solo-admin"  # a one-word command is its own top
    with pytest.raises(CommandShapeError):
        build_commands([CommandSpec(name="checkin-admin join", description="clash")])


@pytest.mark.parametrize(
    "spec",
    [
        CommandSpec(name="Checkin Join", description="caps"),
        CommandSpec(name="a b c d", description="too deep"),
        CommandSpec(
            name="x",
            description="ok",
            args=(ArgSpec(name="c", description="", kind="choice", choices=()),),
        ),
    ],
)
def test_a_spec_discord_cannot_show_fails_at_build_time(spec: CommandSpec) -> None:
    with pytest.raises(CommandShapeError):
        build_commands([spec])


def test_a_name_used_as_command_and_group_is_refused() -> None:
    with pytest.raises(CommandShapeError):
        build_commands(
            [
                CommandSpec(name="checkin", description="a"),
                CommandSpec(name="checkin join", description="b"),
            ]
        )


def test_the_invite_url_asks_for_exactly_the_needed_scopes_and_permissions() -> None:
    url = invite_url("1234")
    assert url == (
        "https://discord.com/oauth2/authorize?client_id=1234"
        "&scope=bot+applications.commands&permissions=309237648384"
    )
    assert PERMISSION_INTEGER == (1 << 10) | (1 << 11) | (1 << 35) | (1 << 38)


def test_the_client_id_is_read_from_the_token_without_calling_anyone() -> None:
    assert client_id_from_token("MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.xyz") == "123456789012345678"
    assert client_id_from_token("not a token") is None


def test_the_cli_prints_the_url(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WARMLINE_DISCORD_TOKEN", raising=False)
    assert main(["invite-url", "--client-id", "42"]) == 0
    assert capsys.readouterr().out.strip() == invite_url("42")
    assert main(["invite-url"]) == 2
