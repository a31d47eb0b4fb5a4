"""The Slack app manifest: exactly the scopes, events, commands and settings Warmline uses.

Why generated: the scopes and events here are the ones the adapter's code relies on, so they
are written once (here) and ``adapters/slack/manifest.yml`` (the file an admin pastes into
https://api.slack.com/apps → Create New App → From a manifest) is this module's output for
Socket Mode; a test keeps the two the same. Its message shortcuts ("Reply with care") are the
core commands that are also message actions (``CommandSpec.message_action``), read from the
features' declarations. ``warmline slack manifest --url https://…`` prints
it for HTTP mode with the admin's request URLs filled in. docs/slack.md explains each scope.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.feature import CommandSpec

__all__ = ["BOT_EVENTS", "BOT_SCOPES", "MANIFEST_FILE", "main", "manifest", "to_yaml"]

BOT_SCOPES: tuple[str, ...] = (
    "commands",          # /warmline
    "chat:write",        # posts, private notes (ephemeral), edits, check-in DMs
    "im:write",          # DMs posted to a person's user id
    "im:history",        # message.im: what members write to Warmline
    "channels:history",  # message.channels: the support channels Warmline is in
    "groups:history",    # message.groups: the same, for private channels
    "users:read",        # users.info (timezone, admin flag), team_join, user_change
    "dnd:read",          # dnd.info and dnd_updated_user: do-not-disturb
    "usergroups:read",   # usergroups.list: user groups are people's roles (supporters)
)

BOT_EVENTS: tuple[str, ...] = (
    "message.channels", "message.groups", "message.im", "team_join", "user_change",
    "dnd_updated_user", "app_home_opened", "app_uninstalled", "tokens_revoked",
    "subteam_created", "subteam_updated", "subteam_members_changed",
)

MANIFEST_FILE = Path(__file__).with_name("manifest.yml")
EVENTS_PATH = "/slack/events"
REDIRECT_PATH = "/slack/oauth_redirect"


def core_commands() -> list[CommandSpec]:
    """Every command the features declare (no store needed: declarations are per class)."""
    from bot.features.registry import FEATURES  # the features import much; only when asked

    return [spec for feature in FEATURES for spec, _ in feature.handlers.commands.values()]


def manifest(*, url: str | None = None, name: str = "Warmline", oauth: bool = False,
             commands: Sequence[CommandSpec] | None = None) -> dict[str, Any]:
    """The manifest: Socket Mode without ``url``, HTTP mode (Events API and interactivity at
    ``url``/slack/events) with it; ``oauth`` adds the redirect URL for multi-workspace installs.
    ``commands``: whose message actions become shortcuts (default: every feature's)."""
    from adapters.slack.commands import message_shortcuts

    shortcuts = message_shortcuts(core_commands() if commands is None else commands)
    base = url.rstrip("/") if url else None
    command: dict[str, Any] = {
        "command": "/warmline",
        "description": "Check-ins and peer support (try /warmline help)",
        "usage_hint": "help | checkin join | checkin history",
        "should_escape": True,
    }
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if base:
        command["url"] = base + EVENTS_PATH
        events["request_url"] = base + EVENTS_PATH
        interactivity["request_url"] = base + EVENTS_PATH
    oauth_config: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if base and oauth:
        oauth_config["redirect_urls"] = [base + REDIRECT_PATH]
    return {
        "display_information": {
            "name": name,
            "description": "Gentle check-ins and peer support for your community.",
            "background_color": "#2f4858",
        },
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": False},
            "bot_user": {"display_name": name, "always_online": True},
            "shortcuts": shortcuts,
            "slash_commands": [command],
        },
        "oauth_config": oauth_config,
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": base is None,
            "token_rotation_enabled": False,
        },
    }


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)  # a quoted YAML string


def to_yaml(value: object, indent: int = 0) -> str:
    """The small YAML subset a manifest needs (mappings, lists, strings, booleans)."""
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, Mapping | list) and item:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(item, indent + 1))
            elif isinstance(item, Mapping | list):
                lines.append(f"{pad}{key}: {'{}' if isinstance(item, Mapping) else '[]'}")
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping):
                body = to_yaml(item, indent + 1).lstrip()
                lines.append(f"{pad}- {body}")
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return "\n".join(lines)


HEADER = ("# Warmline's Slack app manifest (Socket Mode). Paste it at https://api.slack.com/apps →\n"
          "# Create New App → From an app manifest. For HTTP mode: warmline slack manifest --url "
          "https://your.host\n# Generated by adapters/slack/manifest.py; docs/slack.md explains "
          "every scope.\n")


def render(*, url: str | None = None, name: str = "Warmline", oauth: bool = False) -> str:
    return HEADER + to_yaml(manifest(url=url, name=name, oauth=oauth)) + "\n"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="warmline slack", description="Slack helpers.")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("manifest", help="print the app manifest to paste at api.slack.com/apps")
    p.add_argument("--url", help="HTTP mode: the public https:// address of this server "
                                 "(default: Socket Mode, no address needed)")
    p.add_argument("--oauth", action="store_true",
                   help="with --url: let other workspaces install it (adds the redirect URL)")
    p.add_argument("--name", default="Warmline", help="the app's name in Slack")
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 2
    if args.url and not args.url.startswith(("https://", "http://")):
        print("warmline slack manifest: --url must start with https://", file=sys.stderr)
        return 2
    if args.oauth and not args.url:
        print("warmline slack manifest: --oauth needs --url (Slack must reach this server)",
              file=sys.stderr)
        return 2
    sys.stdout.write(render(url=args.url, name=args.name, oauth=args.oauth))
    return 0
