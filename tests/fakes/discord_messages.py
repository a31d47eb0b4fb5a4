"""Message objects as Discord makes them from what the bot sends, checks and edits.

Why a module of its own: posting to a channel, answering an interaction and sending a
followup all turn a request body into the same message object, refuse the same bodies
(over 2000 characters: 50035; empty: 50006) and edit the same way; one place keeps the three
routes consistent.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.discord_payloads import JSON, DiscordPayloads, SnowflakeFactory
from tests.fakes.discord_protocol import MESSAGE_FLAG_LOADING, DiscordError
from tests.fakes.discord_world import World


def bot_message(world: World, channel: JSON, body: JSON, *, files_base: str, **extra: Any) -> JSON:
    """A message object as Discord answers it, authored by the bot, from a request body."""
    p = world.payloads
    gid = channel.get("guild_id")
    msg = p.message(
        channel_id=channel["id"],
        author=world.bot,
        content=body.get("content") or "",
        guild_id=gid,
        member=p.member(world.bot, with_user=False) if gid else None,
        components=body.get("components") or (),
        embeds=body.get("embeds") or (),
        flags=int(body.get("flags") or 0),
        **extra,
    )
    if body.get("nonce") is not None:
        msg["nonce"] = body["nonce"]
    if body.get("message_reference"):
        ref = dict(body["message_reference"])
        ref.setdefault("channel_id", channel["id"])
        if gid:
            ref.setdefault("guild_id", gid)
        msg["message_reference"] = ref
    if body.get("_files"):
        msg["attachments"] = [
            {
                "id": p.id(),
                "filename": name or "file",
                "size": 0,
                "url": f"{files_base}/attachments/{name}",
                "proxy_url": f"{files_base}/attachments/{name}",
            }
            for name in body["_files"]
        ]
    return msg


def validate_message_body(body: JSON, *, edit: bool = False) -> None:
    content = body.get("content")
    if content is not None and len(content) > 2000:
        raise DiscordError(
            400, "Invalid Form Body (content: Must be 2000 or fewer in length.)", 50035
        )
    if not edit and not any(
        body.get(k) for k in ("content", "embeds", "components", "_files", "sticker_ids", "poll")
    ):
        raise DiscordError(400, "Cannot send an empty message", 50006)


def apply_edit(payloads: DiscordPayloads, msg: JSON, body: JSON) -> JSON:
    """Apply an edit body in place; a deferred ("loading") message stops loading."""
    for key in ("content", "embeds", "components", "flags", "attachments"):
        if key in body and body[key] is not None:
            msg[key] = body[key]
    msg["flags"] = int(msg.get("flags") or 0) & ~MESSAGE_FLAG_LOADING
    msg["edited_timestamp"] = SnowflakeFactory.timestamp(payloads.id())
    return msg
