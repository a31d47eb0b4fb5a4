"""The raw MESSAGE_CREATE path (:mod:`adapters.discord.rawmessage`) against discord.py's own.

Every payload goes through both: discord.py's ``parse_message_create`` (a ``Message``, then
``convert.message_event``, as before) and the hook in front of it. The neutral events must be
equal, and each payload must take the path the table says (fast, or back to discord.py).
"""

from __future__ import annotations

import copy
import itertools
import logging
from typing import Any

import discord
import pytest

from adapters.discord import rawmessage
from adapters.discord.adapter import DiscordAdapter, DiscordOptions
from adapters.discord.client import WarmlineClient, requested_intents
from adapters.discord.convert import message_event
from adapters.discord.rawmessage import RawMessageHook
from bot.events import MessagePosted
from tests.fakes.discord_payloads import DiscordPayloads

JSON = dict[str, Any]


class Recorder:
    """The adapter side of the client: records what each path handed over."""

    def __init__(self) -> None:
        self.bot_id: int | None = None
        self.got: list[tuple[str, MessagePosted | None]] = []

    def gateway_ready(self) -> None: ...

    def message_arrived(self, message: discord.Message) -> None:
        self.got.append(("discord.py", message_event(message, bot_user_id=self.bot_id)))

    def message_posted(self, event: MessagePosted) -> None:
        self.got.append(("raw", event))

    async def on_interaction(self, interaction: Any) -> None: ...

    async def on_button(self, interaction: Any, action: str, value: str) -> None: ...


def _role(guild_id: str, role_id: str, name: str, position: int) -> JSON:
    return {"id": role_id, "name": name, "permissions": "0", "position": position, "color": 0,
            "hoist": False, "managed": False, "mentionable": False, "flags": 0}


class World:
    """A client whose discord.py cache holds one guild (roles, two channels, a thread from
    GUILD_CREATE, one from THREAD_CREATE, a private one) and the bot itself."""

    def __init__(self, **client_options: Any) -> None:
        p = self.p = DiscordPayloads()
        self.recorder = Recorder()
        options: dict[str, Any] = {
            "intents": requested_intents(True), "max_messages": None,
            "chunk_guilds_at_startup": False,
            "member_cache_flags": discord.MemberCacheFlags.none(),
        }
        options.update(client_options)
        self.client = WarmlineClient(self.recorder, **options)  # type: ignore[arg-type]
        state = self.state = self.client._connection
        self.bot = p.user("warmline", bot=True)
        state.user = discord.ClientUser(state=state, data=self.bot)  # type: ignore[arg-type]
        state._users[state.user.id] = state.user
        self.recorder.bot_id = state.user.id
        self.guild_id = gid = p.id()
        self.general = p.text_channel("general", id=p.id())
        self.support = p.text_channel("support", id=p.id())
        self.owner = p.user("owner")
        self.thread_gc = p.thread(guild_id=gid, parent_id=self.general["id"],
                                  owner_id=self.owner["id"], name="from guild create")
        self.thread_tc = p.thread(guild_id=gid, parent_id=self.support["id"],
                                  owner_id=self.owner["id"], name="from thread create")
        self.thread_private = p.thread(guild_id=gid, parent_id=self.support["id"],
                                       owner_id=self.owner["id"], name="private", private=True)
        guild = p.guild(owner=self.owner, channels=[self.general, self.support], id=gid,
                        members=[p.member(self.bot)])
        self.roles = {"low": p.id(), "high": p.id(), "high2": p.id(), "mod": p.id()}
        guild["roles"] += [
            _role(gid, self.roles["low"], "listener", 1),
            _role(gid, self.roles["high"], "peer supporter", 3),
            _role(gid, self.roles["high2"], "volunteer", 3),  # same position: id breaks the tie
            _role(gid, self.roles["mod"], "moderator", 5),
        ]
        guild["threads"] = [self.thread_gc]
        state._add_guild_from_data(guild)  # type: ignore[arg-type]
        for thread in (self.thread_tc, self.thread_private):
            state.parsers["THREAD_CREATE"]({**thread, "newly_created": True})
        hook = self.client.warmline_raw_messages
        assert isinstance(hook, RawMessageHook)
        self.hook = hook
        self.alice = p.user("alice")

    def both(self, payload: JSON) -> tuple[str, MessagePosted | None, MessagePosted | None]:
        """Which path the hook took, its event and discord.py's event for the same payload."""
        self.recorder.got.clear()
        try:
            self.hook.original(copy.deepcopy(payload))
        except Exception as exc:  # discord.py itself fails on it: so must the hook, the same way
            with pytest.raises(type(exc)):
                self.hook(copy.deepcopy(payload))
            assert not self.recorder.got
            return "discord.py", None, None
        assert len(self.recorder.got) == 1
        _, before = self.recorder.got.pop()
        self.hook(copy.deepcopy(payload))
        assert len(self.recorder.got) == 1
        path, after = self.recorder.got.pop()
        return path, before, after

    def message(self, channel: JSON | None, author: JSON, **kw: Any) -> JSON:
        if channel is None:  # a DM
            return self.p.message(channel_id=self.p.id(), author=author, content="hi", **kw)
        return self.p.message(channel_id=channel["id"], author=author, content="hi",
                              guild_id=self.guild_id, **kw)


@pytest.fixture
async def world() -> World:
    return World()


def _user(p: DiscordPayloads, kind: str) -> JSON:
    user = p.user("sam")
    if kind == "no global name":
        user["global_name"] = None
    elif kind == "global name":
        user["global_name"] = "Sam W."
    elif kind == "bot":
        user["bot"] = True
    return user


async def test_ordinary_messages_give_the_same_event_on_the_raw_path(world: World) -> None:
    """The table: where (4 channels and a DM) × who (name, nick, roles, bot) × reply shape."""
    p = world.p
    r = world.roles
    channels = {
        "text": world.general, "thread (guild create)": world.thread_gc,
        "thread (thread create)": world.thread_tc, "private thread": world.thread_private,
        "dm": None,
    }
    authors = ["no global name", "global name", "bot", "nick"]
    role_sets: list[list[str]] = [
        [], [r["low"]], [r["mod"], r["high2"], r["low"], r["high"]],
        [r["high"], p.id(), world.guild_id],  # a role not in the cache; @everyone itself
    ]
    replies = ["none", "reply", "reply to a deleted message", "reply, not resolved",
               "reference without type", "type 0 with a reference"]
    checked = 0
    for (where, channel), who, roles, reply in itertools.product(
        channels.items(), authors, role_sets, replies
    ):
        if where == "dm" and roles:
            continue
        author = _user(p, who)
        kw: JSON = {}
        if channel is not None:
            kw["member"] = p.member(author, roles=roles, nick="Sammy" if who == "nick" else None,
                                    with_user=False)
        payload = world.message(channel, author, **kw)
        if reply != "none":
            first = world.message(channel, world.alice)
            if channel is None:
                first["channel_id"] = payload["channel_id"]
            payload["type"] = 0 if reply == "type 0 with a reference" else 19
            ref: JSON = {"type": 0, "message_id": first["id"], "channel_id": payload["channel_id"]}
            if channel is not None:
                ref["guild_id"] = world.guild_id
            if reply == "reference without type":
                del ref["type"]
            payload["message_reference"] = ref
            if reply == "reply to a deleted message":
                payload["referenced_message"] = None
            elif reply != "reply, not resolved":
                payload["referenced_message"] = first
        path, before, after = world.both(payload)
        case = (where, who, roles, reply)
        assert path == "raw", case
        assert before is not None and after == before, case
        checked += 1
    assert checked > 300
    assert world.hook.fast == checked


async def test_the_sample_events_read_what_they_should(world: World) -> None:
    """The equality above would also hold if both were wrong: pin a few fields."""
    p, r = world.p, world.roles
    member = p.member(world.alice, roles=[r["mod"], r["low"]], nick="Al", with_user=False)
    first = world.message(world.thread_tc, world.owner)
    reply = world.message(world.thread_tc, world.alice, member=member)
    reply["type"] = 19
    reply["message_reference"] = {"message_id": first["id"], "channel_id": world.thread_tc["id"]}
    reply["referenced_message"] = first
    path, _, event = world.both(reply)
    assert path == "raw" and event is not None
    assert (event.community, event.channel, event.thread) == (
        world.guild_id, world.support["id"], world.thread_tc["id"])
    assert (event.reply_to, event.reply_to_user) == (first["id"], world.owner["id"])
    assert event.actor.display_name == "Al"
    assert event.actor.roles == (r["low"], r["mod"], "listener", "moderator")  # lowest first
    assert not event.actor.is_admin and not event.is_dm
    assert event.event_id == f"m{reply['id']}"
    dm = world.message(None, world.alice)
    path, _, event = world.both(dm)
    assert path == "raw" and event is not None
    assert (event.community, event.is_dm, event.channel, event.thread) == (
        None, True, dm["channel_id"], None)


async def test_the_channel_and_thread_keep_their_last_message_id(world: World) -> None:
    state = world.state
    guild = state._get_guild(int(world.guild_id))
    assert guild is not None
    for channel in (world.general, world.thread_tc):
        payload = world.message(channel, world.alice)
        world.hook(payload)
        cached = guild.get_channel_or_thread(int(channel["id"]))
        assert cached is not None and cached.last_message_id == int(payload["id"])  # type: ignore[union-attr]
    assert world.hook.fast == 2


def _unusual(world: World) -> dict[str, JSON]:
    p = world.p
    w = world
    cases: dict[str, JSON] = {}

    def msg(channel: JSON | None = None, author: JSON | None = None, **kw: Any) -> JSON:
        return w.message(w.general if channel is None else channel, author or p.user("sam"), **kw)

    cases["no author"] = msg()
    del cases["no author"]["author"]
    incomplete = p.user("sam")
    del incomplete["discriminator"]
    cases["author without a discriminator"] = msg(author=incomplete)
    for kind in (6, 7, 18, 20, 21, 46):  # pin, join, thread created, slash, context menu, poll
        cases[f"system type {kind}"] = msg()
        cases[f"system type {kind}"]["type"] = kind
    cases["webhook"] = msg(webhook_id=p.id())
    cases["webhook, no member"] = msg(webhook_id=p.id())
    del cases["webhook, no member"]["member"]
    cases["ephemeral flag"] = msg(flags=64)
    cases["suppressed embeds flag"] = msg(flags=4)
    cases["thread started from it"] = msg()
    cases["thread started from it"]["thread"] = {**w.thread_gc, "id": p.id()}
    cases["poll"] = msg()
    cases["poll"]["poll"] = {"question": {"text": "?"}, "answers": [], "expiry": None,
                             "allow_multiselect": False, "layout_type": 1}
    cases["interaction metadata"] = msg(application_id=p.id())
    cases["interaction metadata"]["interaction_metadata"] = {
        "id": p.id(), "type": 2, "user": world.alice, "authorizing_integration_owners": {}}
    cases["guild not cached"] = msg()
    cases["guild not cached"]["guild_id"] = p.id()
    cases["channel not cached (a thread discord.py never saw)"] = msg()
    cases["channel not cached (a thread discord.py never saw)"]["channel_id"] = p.id()
    cases["guild message without member"] = msg()
    del cases["guild message without member"]["member"]
    cases["member without flags"] = msg()
    del cases["member without flags"]["member"]["flags"]
    cases["member without roles"] = msg()
    del cases["member without roles"]["member"]["roles"]
    cases["DM with a member"] = w.message(None, p.user("sam"))
    cases["DM with a member"]["member"] = p.member(world.alice, with_user=False)
    cases["the bot itself"] = msg(author=world.bot)
    cases["the bot itself, DM"] = w.message(None, world.bot)
    first = msg(author=world.alice)
    elsewhere = msg()
    elsewhere["type"] = 19
    elsewhere["message_reference"] = {"type": 0, "message_id": first["id"],
                                      "channel_id": w.support["id"], "guild_id": w.guild_id}
    elsewhere["referenced_message"] = {**first, "channel_id": w.support["id"]}
    cases["reply to another channel"] = elsewhere
    forward = msg()
    forward["message_reference"] = {"type": 1, "message_id": first["id"],
                                    "channel_id": w.general["id"]}
    cases["forward"] = forward
    no_author = msg()
    no_author["type"] = 19
    no_author["message_reference"] = {"message_id": first["id"], "channel_id": w.general["id"]}
    no_author["referenced_message"] = {k: v for k, v in first.items() if k != "author"}
    cases["referenced message without author"] = no_author
    empty = msg()
    empty["type"] = 19
    empty["message_reference"] = {"message_id": "", "channel_id": w.general["id"]}
    cases["reference with an empty message id"] = empty
    return cases


async def test_unusual_payloads_are_left_to_discord_py(world: World) -> None:
    cases = _unusual(world)
    for name, payload in cases.items():
        path, before, after = world.both(payload)
        assert path == "discord.py", name
        assert after == before, name
    assert world.hook.fast == 0
    assert world.hook.fallbacks == len(cases)


async def test_an_author_discord_py_holds_a_user_or_member_for_is_left_to_it() -> None:
    """With a member cache (not Warmline's configuration) discord.py uses a cached ``User``'s
    names, perhaps older than the payload's, and updates a cached ``Member``: its path runs."""
    intents = requested_intents(True)
    intents.members = True
    world = World(intents=intents, member_cache_flags=discord.MemberCacheFlags.from_intents(intents))
    sam = world.p.user("sam")
    held = discord.User(state=world.state, data=sam)  # type: ignore[arg-type]
    world.state._users[held.id] = held
    renamed = {**sam, "global_name": "Samuel"}
    path, before, after = world.both(world.message(world.general, renamed))
    assert path == "discord.py" and after == before
    assert after is not None and after.actor.display_name == "sam"  # discord.py's cached name
    guild = world.state._get_guild(int(world.guild_id))
    assert guild is not None
    kim = world.p.user("kim")
    guild._add_member(discord.Member(data=world.p.member(kim), guild=guild, state=world.state))  # type: ignore[arg-type]
    member = world.p.member(kim, nick="Kimmy", roles=[world.roles["low"]], with_user=False)
    path, before, after = world.both(world.message(world.general, kim, member=member))
    assert path == "discord.py" and after == before
    assert guild.get_member(int(kim["id"])).nick == "Kimmy"  # type: ignore[union-attr]
    assert world.hook.fast == 0


async def test_a_payload_that_cannot_be_read_goes_to_discord_py_unchanged(world: World) -> None:
    bad = world.message(world.general, world.alice)
    bad["id"] = "not a snowflake"
    with pytest.raises(ValueError):  # discord.py's own error, as before
        world.hook(bad)
    assert world.hook.fallbacks == 1


async def test_the_real_adapters_client_reads_messages_raw() -> None:
    adapter = DiscordAdapter(DiscordOptions(token="t"), [])
    client = adapter._make_client()
    hook = client.warmline_raw_messages  # type: ignore[attr-defined]
    assert isinstance(hook, RawMessageHook)
    assert client._connection.parsers["MESSAGE_CREATE"] is hook
    assert rawmessage.install(client, adapter) is hook  # not twice


async def test_without_the_expected_internals_it_stays_off_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(rawmessage, "_logged_off", False)
    caplog.set_level(logging.INFO, logger="adapters.discord.rawmessage")
    cached = World.__new__(World)  # only for its recorder
    cached.recorder = Recorder()
    with_cache = WarmlineClient(cached.recorder, intents=requested_intents(True),  # type: ignore[arg-type]
                                max_messages=100)
    assert with_cache.warmline_raw_messages is None
    assert "MESSAGE_CREATE" in with_cache._connection.parsers
    assert not isinstance(with_cache._connection.parsers["MESSAGE_CREATE"], RawMessageHook)
    monkeypatch.setattr(rawmessage, "CHECKED_VERSIONS", frozenset({(1, 0)}))
    other = WarmlineClient(cached.recorder, intents=requested_intents(True),  # type: ignore[arg-type]
                           max_messages=None)
    assert other.warmline_raw_messages is None
    monkeypatch.setattr(rawmessage, "CHECKED_VERSIONS", frozenset({(2, 7)}))
    moved = WarmlineClient(cached.recorder, intents=requested_intents(True),  # type: ignore[arg-type]
                           max_messages=None)
    del moved._connection.parsers["MESSAGE_CREATE"]
    moved.warmline_raw_messages = None
    assert rawmessage.install(moved, cached.recorder) is None
    lines = [r for r in caplog.records if r.name == "adapters.discord.rawmessage"]
    assert len(lines) == 1 and lines[0].levelno == logging.INFO
    assert "message cache" in lines[0].getMessage()
