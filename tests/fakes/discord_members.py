"""What people on the fake Discord do: post, DM the bot, run commands, press buttons.

Why a module of its own: each action builds a complete payload (``DiscordPayloads``) in the
right place (a guild channel, or the user's DM channel) and dispatches it; tests read as
stories ("alice presses Good") instead of payload plumbing.
"""

from __future__ import annotations

from collections.abc import Sequence

from tests.fakes.discord_payloads import JSON
from tests.fakes.discord_world import World


class MemberActions:
    """Mixed into :class:`FakeDiscord`, which provides ``world`` and ``dispatch``."""

    world: World

    async def dispatch(self, event: str, data: JSON, *, shard_id: int | None = None) -> int | None:
        raise NotImplementedError

    async def user_message(
        self,
        content: str,
        *,
        author: JSON | None = None,
        channel_id: str | None = None,
        mention_bot: bool = False,
        components: Sequence[JSON] = (),
    ) -> JSON:
        """A member posts in a guild channel (MESSAGE_CREATE)."""
        author = author or self.world.default_user()
        cid = channel_id or self.world.channel_id
        gid = self.world.channels[cid]["guild_id"]
        if mention_bot:
            content = f"<@{self.world.bot['id']}> {content}"
        msg = self.world.payloads.message(
            channel_id=cid,
            author=author,
            content=content,
            guild_id=gid,
            mentions=[self.world.bot] if mention_bot else (),
            components=components,
        )
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    async def user_dm(self, content: str, *, author: JSON | None = None) -> JSON:
        """A user writes to the bot in a DM (MESSAGE_CREATE without guild_id)."""
        author = author or self.world.default_user()
        chan = self.world.ensure_dm_channel(author)
        msg = self.world.payloads.message(channel_id=chan["id"], author=author, content=content)
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    def _where(
        self, user: JSON | None, channel_id: str | None, dm: bool
    ) -> tuple[JSON, str, str | None]:
        user = user or self.world.default_user()
        if dm:
            return user, self.world.ensure_dm_channel(user)["id"], None
        cid = channel_id or self.world.channel_id
        return user, cid, self.world.channels[cid].get("guild_id")

    async def slash(
        self,
        name: str,
        *,
        subcommand: str | None = None,
        group: str | None = None,
        options: Sequence[JSON] = (),
        user: JSON | None = None,
        channel_id: str | None = None,
        dm: bool = False,
        command_guild_id: str | None = None,
    ) -> JSON:
        """A user runs ``/name [group] [subcommand] options...`` (INTERACTION_CREATE type 2)."""
        u, cid, gid = self._where(user, channel_id, dm)
        payload = self.world.payloads.slash_command(
            name,
            user=u,
            application_id=self.world.application_id,
            channel_id=cid,
            guild_id=gid,
            options=options,
            subcommand=subcommand,
            subcommand_group=group,
            command_guild_id=command_guild_id,
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def autocomplete(
        self,
        name: str,
        *,
        focused: str,
        value: str,
        subcommand: str | None = None,
        user: JSON | None = None,
        channel_id: str | None = None,
        dm: bool = False,
    ) -> JSON:
        u, cid, gid = self._where(user, channel_id, dm)
        payload = self.world.payloads.autocomplete(
            name,
            user=u,
            application_id=self.world.application_id,
            channel_id=cid,
            guild_id=gid,
            focused=focused,
            value=value,
            subcommand=subcommand,
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def press_button(
        self,
        custom_id: str,
        *,
        message: JSON | None = None,
        user: JSON | None = None,
        channel_id: str | None = None,
        dm: bool = False,
    ) -> JSON:
        """A user presses a button (INTERACTION_CREATE type 3).

        ``message`` is the message carrying the button (e.g. ``fake.messages_sent[-1].message``);
        by default a bot message with just that button is made up in the channel.
        """
        u, cid, gid = self._where(user, channel_id, dm)
        if message is None:
            p = self.world.payloads
            message = p.message(
                channel_id=cid,
                author=self.world.bot,
                content="",
                guild_id=gid,
                components=[p.action_row(p.button(custom_id))],
                application_id=self.world.application_id,
            )
            self.world.messages[message["id"]] = message
        payload = self.world.payloads.component_interaction(
            custom_id, message=message, user=u, application_id=self.world.application_id
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def submit_modal(
        self,
        custom_id: str,
        values: dict[str, str],
        *,
        user: JSON | None = None,
        channel_id: str | None = None,
        dm: bool = False,
    ) -> JSON:
        """A user submits a modal (INTERACTION_CREATE type 5) with text inputs ``values``."""
        u, cid, gid = self._where(user, channel_id, dm)
        payload = self.world.payloads.modal_submit(
            custom_id,
            values,
            user=u,
            application_id=self.world.application_id,
            channel_id=cid,
            guild_id=gid,
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload
