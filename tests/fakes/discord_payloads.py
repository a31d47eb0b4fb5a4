"""Builders for Discord gateway / REST JSON payloads that discord.py 2.7.1 accepts.

Why a module of its own: discord.py's parsers raise on a missing key (a member without
``flags`` kills the client, see platform-testing.md §1.6), so every test and the fake server
build their payloads here, complete, in exactly one place.

Usage::

    p = DiscordPayloads()                      # owns a snowflake factory (unique, increasing ids)
    alice = p.user("alice")
    guild = p.guild(name="Test Guild", owner=alice, members=[p.member(alice)])
    channel_id = guild["channels"][0]["id"]
    msg = p.message(channel_id=channel_id, author=alice, content="hi", guild_id=guild["id"])
    cmd = p.slash_command("checkin", subcommand="join", options=[p.option("mood", 3, "ok")],
                          user=alice, guild_id=guild["id"], channel_id=channel_id,
                          application_id=...)

All ids are strings (as on the wire). Payloads are plain ``dict`` so a test can tweak a field
before dispatching. Timestamps are derived from the snowflake, as Discord does.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000

# Interaction types (Discord: "Interaction Type").
INTERACTION_PING = 1
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_MESSAGE_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5

# Application command option types.
OPTION_SUB_COMMAND = 1
OPTION_SUB_COMMAND_GROUP = 2
OPTION_STRING = 3
OPTION_INTEGER = 4
OPTION_BOOLEAN = 5
OPTION_USER = 6

# Channel types.
CHANNEL_GUILD_TEXT = 0
CHANNEL_DM = 1
CHANNEL_PUBLIC_THREAD = 11
CHANNEL_PRIVATE_THREAD = 12

ALL_PERMISSIONS = "2251799813685247"


def _wall_ms() -> int:
    return int(time.time() * 1000)


class SnowflakeFactory:
    """Unique, strictly increasing snowflakes whose timestamp part is (roughly) now.

    Not global: each fake / payload set owns one, so parallel tests do not share state.
    """

    def __init__(self, now_ms: Callable[[], int] = _wall_ms) -> None:
        self._now_ms = now_ms
        self._last = 0
        self._inc = itertools.count()

    def next(self) -> str:
        candidate = ((self._now_ms() - DISCORD_EPOCH_MS) << 22) | (next(self._inc) & 0xFFF)
        self._last = max(candidate, self._last + 1)
        return str(self._last)

    def next_on_shard(self, shard_id: int, shard_count: int) -> str:
        """The next snowflake whose guild would live on ``shard_id`` (Discord's formula
        ``(id >> 22) % shard_count``): the timestamp moves at most ``shard_count - 1`` ms on."""
        value = int(self.next())
        value += ((shard_id - (value >> 22)) % shard_count) << 22
        self._last = value
        return str(value)

    @staticmethod
    def timestamp(snowflake: str | int) -> str:
        """ISO-8601 time encoded in a snowflake (what Discord puts in ``timestamp``)."""
        ms = (int(snowflake) >> 22) + DISCORD_EPOCH_MS
        return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


class DiscordPayloads:
    """Complete payload builders sharing one :class:`SnowflakeFactory`."""

    def __init__(self, snowflakes: SnowflakeFactory | None = None) -> None:
        self.snowflakes = snowflakes or SnowflakeFactory()

    def id(self) -> str:
        return self.snowflakes.next()

    def id_on_shard(self, shard_id: int, shard_count: int) -> str:
        """An id for a guild that shard ``shard_id`` of ``shard_count`` serves."""
        return self.snowflakes.next_on_shard(shard_id, shard_count)

    # ----------------------------------------------------------------- users & guilds
    def user(self, username: str, *, id: str | None = None, bot: bool = False) -> JSON:
        data: JSON = {
            "id": id or self.id(),
            "username": username,
            "discriminator": "0",
            "global_name": username,
            "avatar": None,
            "public_flags": 0,
        }
        if bot:
            data["bot"] = True
        return data

    def member(
        self,
        user: JSON,
        *,
        roles: Sequence[str] = (),
        nick: str | None = None,
        joined_at: str = "2024-01-01T00:00:00+00:00",
        with_user: bool = True,
    ) -> JSON:
        """A guild member; ``flags`` is always present (discord.py requires it)."""
        data: JSON = {
            "roles": list(roles),
            "nick": nick,
            "avatar": None,
            "joined_at": joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "communication_disabled_until": None,
            "flags": 0,
        }
        if with_user:
            data["user"] = user
        return data

    def text_channel(
        self, name: str, *, guild_id: str | None = None, id: str | None = None, position: int = 0
    ) -> JSON:
        data: JSON = {
            "id": id or self.id(),
            "type": CHANNEL_GUILD_TEXT,
            "name": name,
            "position": position,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if guild_id is not None:
            data["guild_id"] = guild_id
        return data

    def dm_channel(self, recipient: JSON, *, id: str | None = None) -> JSON:
        return {
            "id": id or self.id(),
            "type": CHANNEL_DM,
            "last_message_id": None,
            "recipients": [recipient],
            "flags": 0,
        }

    def thread(
        self,
        *,
        guild_id: str,
        parent_id: str,
        owner_id: str,
        name: str,
        id: str | None = None,
        private: bool = False,
        auto_archive_duration: int = 1440,
    ) -> JSON:
        thread_id = id or self.id()
        return {
            "id": thread_id,
            "guild_id": guild_id,
            "parent_id": parent_id,
            "owner_id": owner_id,
            "name": name,
            "type": CHANNEL_PRIVATE_THREAD if private else CHANNEL_PUBLIC_THREAD,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "rate_limit_per_user": 0,
            "flags": 0,
            "applied_tags": [],
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": auto_archive_duration,
                "archive_timestamp": SnowflakeFactory.timestamp(thread_id),
                "locked": False,
                "invitable": not private,
                "create_timestamp": SnowflakeFactory.timestamp(thread_id),
            },
        }

    def guild(
        self,
        *,
        name: str = "Test Guild",
        owner: JSON,
        members: Iterable[JSON] = (),
        channels: Iterable[JSON] | None = None,
        id: str | None = None,
    ) -> JSON:
        """A full GUILD_CREATE payload. The ``@everyone`` role id equals the guild id.

        ``channels`` defaults to one text channel called ``general``.
        """
        guild_id = id or self.id()
        given = list(channels) if channels is not None else [self.text_channel("general")]
        chans = [{**c, "guild_id": guild_id} for c in given]
        member_list = list(members)
        return {
            "id": guild_id,
            "name": name,
            "icon": None,
            "owner_id": owner["id"],
            "unavailable": False,
            "member_count": len(member_list),
            "large": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "roles": [
                {
                    "id": guild_id,
                    "name": "@everyone",
                    "permissions": "1071698660929",
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "channels": chans,
            "members": member_list,
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "voice_states": [],
            "presences": [],
        }

    # ----------------------------------------------------------------- messages
    def message(
        self,
        *,
        channel_id: str,
        author: JSON,
        content: str,
        guild_id: str | None = None,
        member: JSON | None = None,
        mentions: Sequence[JSON] = (),
        components: Sequence[JSON] = (),
        embeds: Sequence[JSON] = (),
        id: str | None = None,
        flags: int = 0,
        webhook_id: str | None = None,
        application_id: str | None = None,
    ) -> JSON:
        """A MESSAGE_CREATE / REST message object.

        Guild message when ``guild_id`` is given (then ``member`` is filled in from the author
        unless passed), DM otherwise (no ``guild_id`` and no ``member``, as Discord sends it).
        """
        msg_id = id or self.id()
        data: JSON = {
            "id": msg_id,
            "channel_id": channel_id,
            "type": 0,
            "content": content,
            "author": author,
            "timestamp": SnowflakeFactory.timestamp(msg_id),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": list(mentions),
            "mention_roles": [],
            "attachments": [],
            "embeds": list(embeds),
            "components": list(components),
            "pinned": False,
            "flags": flags,
        }
        if guild_id is not None:
            data["guild_id"] = guild_id
            data["member"] = member if member is not None else self.member(author, with_user=False)
        if webhook_id is not None:
            data["webhook_id"] = webhook_id
        if application_id is not None:
            data["application_id"] = application_id
        return data

    # ----------------------------------------------------------------- components
    @staticmethod
    def button(custom_id: str, label: str = "Button", *, style: int = 1) -> JSON:
        return {
            "type": 2,
            "style": style,
            "label": label,
            "custom_id": custom_id,
            "disabled": False,
        }

    @staticmethod
    def action_row(*components: JSON) -> JSON:
        return {"type": 1, "components": list(components)}

    @staticmethod
    def text_input_value(custom_id: str, value: str) -> JSON:
        """A submitted text input (inside a modal submit), wrapped in its action row."""
        return {"type": 1, "components": [{"type": 4, "custom_id": custom_id, "value": value}]}

    @staticmethod
    def option(name: str, type: int, value: Any, *, focused: bool = False) -> JSON:
        data: JSON = {"name": name, "type": type, "value": value}
        if focused:
            data["focused"] = True
        return data

    # ----------------------------------------------------------------- interactions
    def _interaction(
        self,
        type: int,
        *,
        data: JSON,
        user: JSON,
        application_id: str,
        guild_id: str | None,
        channel_id: str,
        message: JSON | None = None,
        token: str | None = None,
        locale: str = "en-US",
    ) -> JSON:
        iid = self.id()
        payload: JSON = {
            "id": iid,
            "application_id": application_id,
            "type": type,
            "token": token or f"itoken-{iid}",
            "version": 1,
            "channel_id": channel_id,
            "data": data,
            "app_permissions": ALL_PERMISSIONS,
            "locale": locale,
            "attachment_size_limit": 26_214_400,
            "entitlements": [],
        }
        if guild_id is not None:
            payload["guild_id"] = guild_id
            payload["guild_locale"] = "en-US"
            payload["channel"] = {
                "id": channel_id,
                "type": CHANNEL_GUILD_TEXT,
                "name": "channel",
                "guild_id": guild_id,
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
                "flags": 0,
            }
            member = self.member(user)
            member["permissions"] = ALL_PERMISSIONS
            payload["member"] = member
            payload["authorizing_integration_owners"] = {"0": guild_id}
            payload["context"] = 0
        else:
            payload["channel"] = {
                "id": channel_id,
                "type": CHANNEL_DM,
                "last_message_id": None,
                "recipients": [user],
                "flags": 0,
            }
            payload["user"] = user
            payload["authorizing_integration_owners"] = {"1": user["id"]}
            payload["context"] = 1
        if message is not None:
            payload["message"] = message
        return payload

    def slash_command(
        self,
        name: str,
        *,
        user: JSON,
        application_id: str,
        channel_id: str,
        guild_id: str | None = None,
        options: Sequence[JSON] = (),
        subcommand: str | None = None,
        subcommand_group: str | None = None,
        command_id: str | None = None,
        command_guild_id: str | None = None,
    ) -> JSON:
        """INTERACTION_CREATE type 2 (chat input).

        ``/checkin join mood:ok`` is ``slash_command("checkin", subcommand="join",
        options=[option("mood", 3, "ok")])``: data.name is the top-level name and the
        subcommand arrives as an option of type 1 carrying the real options. A subcommand
        group wraps that once more in an option of type 2. ``command_guild_id`` is needed
        when the command was registered for one guild (``data.guild_id``).
        """
        opts: list[JSON] = list(options)
        if subcommand is not None:
            opts = [{"name": subcommand, "type": OPTION_SUB_COMMAND, "options": opts}]
        if subcommand_group is not None:
            if subcommand is None:
                raise ValueError("a subcommand group needs a subcommand")
            opts = [{"name": subcommand_group, "type": OPTION_SUB_COMMAND_GROUP, "options": opts}]
        data: JSON = {"id": command_id or self.id(), "name": name, "type": 1, "options": opts}
        if command_guild_id is not None:
            data["guild_id"] = command_guild_id
        return self._interaction(
            INTERACTION_APPLICATION_COMMAND,
            data=data,
            user=user,
            application_id=application_id,
            guild_id=guild_id,
            channel_id=channel_id,
        )

    def autocomplete(
        self,
        name: str,
        *,
        user: JSON,
        application_id: str,
        channel_id: str,
        focused: str,
        value: str,
        guild_id: str | None = None,
        other_options: Sequence[JSON] = (),
        subcommand: str | None = None,
    ) -> JSON:
        """INTERACTION_CREATE type 4: the user is typing into option ``focused``."""
        payload = self.slash_command(
            name,
            user=user,
            application_id=application_id,
            channel_id=channel_id,
            guild_id=guild_id,
            options=[*other_options, self.option(focused, OPTION_STRING, value, focused=True)],
            subcommand=subcommand,
        )
        payload["type"] = INTERACTION_AUTOCOMPLETE
        return payload

    def component_interaction(
        self,
        custom_id: str,
        *,
        message: JSON,
        user: JSON,
        application_id: str,
        component_type: int = 2,
        values: Sequence[str] | None = None,
    ) -> JSON:
        """INTERACTION_CREATE type 3: a button press (or select, with ``values``) on ``message``.

        ``message`` must carry the components (build it with :meth:`message` and
        ``components=[action_row(button(custom_id))]``), as on Discord.
        """
        data: JSON = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        return self._interaction(
            INTERACTION_MESSAGE_COMPONENT,
            data=data,
            user=user,
            application_id=application_id,
            guild_id=message.get("guild_id"),
            channel_id=message["channel_id"],
            message=message,
        )

    def modal_submit(
        self,
        custom_id: str,
        values: dict[str, str],
        *,
        user: JSON,
        application_id: str,
        channel_id: str,
        guild_id: str | None = None,
    ) -> JSON:
        """INTERACTION_CREATE type 5: text inputs ``{input custom_id: value}``."""
        data: JSON = {
            "custom_id": custom_id,
            "components": [self.text_input_value(k, v) for k, v in values.items()],
        }
        return self._interaction(
            INTERACTION_MODAL_SUBMIT,
            data=data,
            user=user,
            application_id=application_id,
            guild_id=guild_id,
            channel_id=channel_id,
        )
