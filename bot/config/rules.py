"""Rules that involve more than one key of a section (or its environment variables).

Why they are apart from the checkers: they only make sense once every key of the section is
valid on its own, so the loader runs them after the section parsed cleanly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from bot.config.checks import _show
from bot.config.names import (
    ENV_APP_TOKEN,
    ENV_BOT_TOKEN,
    ENV_CLIENT_SECRET,
    ENV_DISCORD_TOKEN,
    ENV_SIGNING_SECRET,
)
from bot.config.schema import (
    CheckinSettings,
    DiscordSettings,
    OutboxSettings,
    PrivacySettings,
    SafetySettings,
    SlackSettings,
)


def _checkin_rules(checkins: CheckinSettings) -> list[str]:
    problems: list[str] = []
    if checkins.reminder and checkins.reminder_after_hours >= checkins.prompt_expiry_hours:
        problems.append(
            f"checkins.reminder_after_hours = {checkins.reminder_after_hours}: the prompt expires "
            f"after {checkins.prompt_expiry_hours} hours, so the reminder would never be sent; "
            "make it smaller than checkins.prompt_expiry_hours, or set checkins.reminder = false"
        )
    if checkins.enabled and not checkins.schedules:
        problems.append("checkins.schedules = []: check-ins are enabled but have no schedule; "
                        "add one, e.g. ['mon-fri 09:00'], or set checkins.enabled = false")
    return problems


def _privacy_rules(privacy: PrivacySettings) -> list[str]:
    """The data key must load: a missing key file, one every user can read, or a value that is
    not a key is a problem (said without showing the key); no key at all is a mode, not a problem
    (notes and goals are then not kept, and ``check-config`` says so)."""
    # Imported here so that importing the config does not load the cryptography package.
    from bot.sealing import KeyProblem, keyring_for

    try:
        keyring_for(privacy)
    except KeyProblem as exc:
        return [str(exc)]
    return []


def _safety_rules(safety: SafetySettings) -> list[str]:
    if safety.default_region not in safety.resources:
        regions = ", ".join(repr(r) for r in safety.resources) or "none"
        return [f"safety.default_region = {_show(safety.default_region)}: no resources for this "
                f"region in [safety.resources] (regions there: {regions}); add them, or choose "
                "one of those"]
    return []


def _outbox_rules(outbox: OutboxSettings) -> list[str]:
    if outbox.base_backoff_seconds > outbox.max_backoff_seconds:
        return [
            f"outbox.base_backoff_seconds = {outbox.base_backoff_seconds:g}: larger than "
            f"outbox.max_backoff_seconds ({outbox.max_backoff_seconds:g}); make it smaller"
        ]
    return []


def _discord_checks(discord: DiscordSettings) -> list[str]:
    problems: list[str] = []
    if discord.token is None:
        problems.append(
            f"discord: the [discord] section is present but {ENV_DISCORD_TOKEN} is not set; set it "
            "to your bot token (Developer Portal → Bot → Reset Token), or remove [discord] to run "
            "without Discord"
        )
    if discord.shard_ids and discord.shard_count == 0:
        problems.append(f"discord.shard_ids = {_show(list(discord.shard_ids))}: needs "
                        "discord.shard_count; set shard_count to the total number of shards")
    bad = [i for i in discord.shard_ids if i >= discord.shard_count > 0]
    if bad:
        problems.append(f"discord.shard_ids = {_show(list(discord.shard_ids))}: shard numbers "
                        f"go from 0 to {discord.shard_count - 1} "
                        f"(shard_count = {discord.shard_count}); remove "
                        + ", ".join(str(i) for i in bad))
    return problems


def _slack_checks(slack: SlackSettings) -> list[str]:
    problems: list[str] = []
    needed: list[tuple[str, str | None, str, str]] = []
    if slack.client_id:
        # Many workspaces: each one's bot token comes from its OAuth install, kept in the store.
        if slack.mode != "http":
            problems.append("slack.client_id is set, so workspaces install Warmline through "
                            "Slack's OAuth pages, which needs mode = 'http'; set mode = 'http', "
                            "or remove client_id to run in one workspace")
        needed.append((ENV_CLIENT_SECRET, slack.client_secret, "",
                       "the Client Secret (Basic Information → App Credentials)"))
    else:
        needed.append((ENV_BOT_TOKEN, slack.bot_token, "xoxb-",
                       "the Bot User OAuth Token (OAuth & Permissions)"))
    if slack.mode == "socket":
        needed.append((ENV_APP_TOKEN, slack.app_token, "xapp-",
                       "an app-level token with connections:write (Basic Information)"))
    else:
        needed.append((ENV_SIGNING_SECRET, slack.signing_secret, "",
                       "the Signing Secret (Basic Information → App Credentials)"))
    for env_name, value, prefix, what in needed:
        if value is None:
            problems.append(f"slack: mode = {slack.mode!r} needs {env_name}; set it to {what}, "
                            "or remove [slack] to run without Slack")
        elif prefix and not value.startswith(prefix):
            # Never echo the value: it is a secret, possibly pasted into the wrong variable.
            problems.append(
                f"{env_name}: this token does not start with {prefix!r}; set it to {what}"
            )
    return problems


_SECTION_RULES: Mapping[str, Callable[[Any], list[str]]] = MappingProxyType({
    "checkins": _checkin_rules,
    "safety": _safety_rules,
    "outbox": _outbox_rules,
    "privacy": _privacy_rules,
    "discord": _discord_checks,
    "slack": _slack_checks,
})
"""Rules that involve more than one key of a section (or its environment variables)."""
