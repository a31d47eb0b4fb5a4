"""``warmline discord …`` helpers. Today: ``invite-url``.

The invite URL asks for exactly the scopes and permissions Warmline uses, nothing more, so a
moderator can see (and their members can trust) what the bot may do. docs/discord.md explains
each permission.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import os
import sys
from collections.abc import Sequence
from urllib.parse import urlencode

SCOPES = ("bot", "applications.commands")

PERMISSIONS: dict[str, int] = {
    # See the channels moderators set up for Warmline, and messages posted there.
    "View Channels": 1 << 10,
    # Post in the support, supporters, moderators and check-ins channels.
    "Send Messages": 1 << 11,
    # Open a thread for a group check-in or a support conversation.
    "Create Public Threads": 1 << 35,
    # Post inside the threads it opened.
    "Send Messages in Threads": 1 << 38,
}
"""Name → permission bit. DMs, slash commands, buttons and forms need no server permission."""

PERMISSION_INTEGER = sum(PERMISSIONS.values())
AUTHORIZE_URL = "https://discord.com/oauth2/authorize"
TOKEN_ENV = "WARMLINE_DISCORD_TOKEN"


def invite_url(client_id: str, *, guild_id: str | None = None) -> str:
    # The OAuth2 URL that adds the bot with :data:`SCOPES` and :data:`PERMISSION_INTEGER`.
    query = {
        "client_id": client_id,
        "scope": " ".join(SCOPES),
        "permissions": str(PERMISSION_INTEGER),
    }
    if guild_id:
        query["guild_id"] = guild_id
        query["disable_guild_select"] = "true"
    return f"{AUTHORIZE_URL}?{urlencode(query)}"


def client_id_from_token(token: str) -> str | None:
    """A bot token starts with the bot's user id in base64, which is the application id for
    every bot made in the Developer Portal. Nothing is sent anywhere."""
    head = token.strip().split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=False).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if decoded.isdigit() else None


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="warmline discord", description="Discord helpers.")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("invite-url", help="print the URL that adds Warmline to a server")
    p.add_argument(
        "--client-id",
        help="the application id (Developer Portal → General "
        f"Information); default: read from {TOKEN_ENV}",
    )
    p.add_argument("--guild-id", help="preselect this server")
    p.add_argument("--explain", action="store_true", help="also list each permission and why")
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 2
    client_id = args.client_id or client_id_from_token(os.environ.get(TOKEN_ENV, ""))
    if not client_id or not client_id.isdigit():
        print(
            "warmline discord invite-url: give --client-id (Developer Portal → your application "
            f"→ General Information → Application ID), or set {TOKEN_ENV}.",
            file=sys.stderr,
        )
        return 2
    print(invite_url(client_id, guild_id=args.guild_id))
    if args.explain:
        print(f"scopes: {' '.join(SCOPES)}; permissions integer {PERMISSION_INTEGER}:")
        for name, bit in PERMISSIONS.items():
            print(f"  {name} ({bit})")
    return 0
