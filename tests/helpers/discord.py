"""The Discord adapter under test: the REAL discord.py client inside Warmline, against the local fake.

:class:`Harness` holds a started fake (127.0.0.1, port 0) and builds what a test needs from it:
``harness.options(...)`` and ``harness.adapter(...)`` for a bare :class:`DiscordAdapter`, and
``harness.warmline(...)``, which runs the real :class:`bot.runtime.app.Warmline` runtime (real
SQLite file under tmp_path, the system clock: the network is real time anyway) with a
:class:`DiscordAdapter` and a small test-only feature, :class:`Probe`, standing in for check-ins:
``/probe start`` schedules a DM prompt with a mood button and a note button; the note button opens
a form; everything the core hears is recorded. The fixtures that start and stop it all live in
``tests/adapters/discord/conftest.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.discord.adapter import DiscordAdapter, DiscordOptions
from bot.actions import Action, Button, Form, FormField, OpenForm, Respond, SendDirect
from bot.clock import SystemClock
from bot.config import default_settings
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MessagePosted,
)
from bot.feature import CommandSpec, Context, Feature, Handlers, all_commands
from bot.features.basics import Basics
from bot.features.registry import build_features
from bot.model import Claim
from bot.runtime.app import Warmline
from bot.store.base import Store
from bot.store.store import open_sqlite
from bot.texts import TextCatalogue
from tests.fakes.discord_server import FakeDiscord

__all__ = ["Harness", "Probe", "Running", "finish", "note_form"]


class ProbeRecord:
    """What the probe heard, and the gate "probe slow" and "probe form" wait on when set."""

    def __init__(self) -> None:
        self.heard: list[Event] = []
        self.gate: asyncio.Event | None = None
        self.slow_started = asyncio.Event()


probe_handlers: Handlers[ProbeRecord] = Handlers("probe")
ProbeContext = Context[ProbeRecord]


def _say(event: Event, text: str) -> Respond:
    return Respond(
        platform=event.platform,
        community=event.community,
        recipient=event.user,
        interaction=getattr(event, "interaction", "") or "",
        text=text,
    )


@probe_handlers.command("probe start", "Schedule a prompt now")
async def _start(event: CommandInvoked, ctx: ProbeContext) -> Sequence[Action]:
    ctx.repo.heard.append(event)
    assert ctx.member is not None
    await ctx.store.jobs.upsert(
        kind="probe.prompt",
        subject=f"m{ctx.member.id}",
        community_id=ctx.community.id,
        member_id=ctx.member.id,
        rule=None,
        zone="UTC",
        next_run=ctx.now,
    )
    return (_say(event, "scheduled"),)


@probe_handlers.command("probe slow", "Answer after a while")
async def _slow(event: CommandInvoked, ctx: ProbeContext) -> Sequence[Action]:
    ctx.repo.heard.append(event)
    ctx.repo.slow_started.set()
    if ctx.repo.gate is not None:
        await ctx.repo.gate.wait()
    return (_say(event, "slow answer"),)


@probe_handlers.command("probe form", "Open a form")
async def _form(event: CommandInvoked, ctx: ProbeContext) -> Sequence[Action]:
    ctx.repo.heard.append(event)
    if ctx.repo.gate is not None:
        await ctx.repo.gate.wait()
    return (OpenForm(platform=event.platform, interaction=event.interaction or "",
                     form=note_form("cmd")),)


@probe_handlers.command("probe admin", "Moderators only", moderator_only=True)
async def _admin(event: CommandInvoked, ctx: ProbeContext) -> Sequence[Action]:
    ctx.repo.heard.append(event)
    return (_say(event, "admin ok"),)


@probe_handlers.job("probe.prompt")
async def _prompt(claim: Claim, ctx: ProbeContext) -> Sequence[Action]:
    assert ctx.member is not None
    return (
        SendDirect(
            platform=ctx.platform,
            community=ctx.community.platform_id,
            recipient=ctx.member.platform_user_id,
            user=ctx.member.platform_user_id,
            text="How are you today?",
            buttons=(
                Button(action="probe.mood", value="4", label="Good"),
                Button(action="probe.note", value="n1", label="Add a note"),
            ),
        ),
    )


@probe_handlers.button("probe.mood")
async def _mood(event: ButtonPressed, ctx: ProbeContext) -> Sequence[Action]:
    ctx.repo.heard.append(event)
    return (_say(event, f"mood {event.value} noted"),)


@probe_handlers.button("probe.note")
async def _note(event: ButtonPressed, ctx: ProbeContext) -> Sequence[Action]:
    ctx.repo.heard.append(event)
    if not event.interaction:
        return ()
    return (OpenForm(platform=event.platform, interaction=event.interaction,
                     form=note_form(event.value)),)


@probe_handlers.form("probe.note")
async def _note_form(event: FormSubmitted, ctx: ProbeContext) -> Sequence[Action]:
    ctx.repo.heard.append(event)
    note = event.values.get("note", "")
    return (_say(event, f"note {event.context} saved ({len(note)} chars)"),)


@probe_handlers.event(MessagePosted, MemberJoined, MemberLeft)
async def _heard(event: Event, ctx: ProbeContext) -> Sequence[Action]:
    ctx.repo.heard.append(event)
    return ()


class Probe(Feature[ProbeRecord]):
    """A tiny feature exercising every interaction shape the check-ins feature uses."""

    name = "probe"
    handlers = probe_handlers

    def __init__(self) -> None:
        super().__init__(settings=default_settings(), repo=ProbeRecord())

    @property
    def gate(self) -> asyncio.Event | None:
        return self.repo.gate

    @gate.setter
    def gate(self, value: asyncio.Event | None) -> None:
        self.repo.gate = value

    @property
    def slow_started(self) -> asyncio.Event:
        return self.repo.slow_started

    def messages(self) -> list[MessagePosted]:
        return [e for e in self.repo.heard if isinstance(e, MessagePosted)]



def note_form(context: str) -> Form:
    return Form(
        id="probe.note",
        title="A note for today",
        context=context,
        fields=(FormField(id="note", label="Your note", multiline=True),),
    )


@dataclass
class Running:
    bot: Warmline
    adapter: DiscordAdapter
    probe: Probe
    store: Store
    stop: asyncio.Event
    task: asyncio.Task[None]


@dataclass
class Harness:
    fake: FakeDiscord
    tmp_path: Path
    running: list[Running] = field(default_factory=list)

    def options(self, **overrides: Any) -> DiscordOptions:
        values: dict[str, Any] = {
            "token": "fake-token",
            "api_base_url": self.fake.api_base,
            "gateway_url": self.fake.gateway_url,
            "guild_ready_timeout": 0.1,
            "sends_per_second": 40.0,
        }
        values.update(overrides)
        return DiscordOptions(**values)

    def adapter(self, commands: Sequence[CommandSpec] = (), **overrides: Any) -> DiscordAdapter:
        return DiscordAdapter(self.options(**overrides), commands)

    async def warmline(self, db: str = "warmline.db", **overrides: Any) -> Running:
        """Start the real runtime with Basics + Probe and the Discord adapter; returns at READY."""
        settings = default_settings()
        store = await open_sqlite(self.tmp_path / db)
        probe = Probe()
        features: list[Feature[Any]] = [*await build_features(settings, store, (Basics,)), probe]
        adapter = self.adapter(all_commands(features), **overrides)
        bot = Warmline(
            settings=settings,
            store=store,
            clock=SystemClock(),
            texts=TextCatalogue.load(),
            features=features,
            adapters=[adapter],
        )
        stop = asyncio.Event()
        task = asyncio.create_task(bot.run(stop), name="warmline-under-test")
        run = Running(bot, adapter, probe, store, stop, task)
        self.running.append(run)
        before = self.fake.ready_count
        await self.fake.wait_until(
            lambda: (self.fake.ready_count > before and adapter._ready.is_set()) or task.done(),
            what="adapter READY",
        )
        if task.done():
            task.result()
        return run

    async def shutdown(self, run: Running) -> None:
        if run not in self.running:
            return
        self.running.remove(run)
        await finish(run.stop, run.task, run.store)


async def finish(stop: asyncio.Event, task: asyncio.Task[None], store: Store) -> None:
    """Stop a runtime started for a test (``stop``, wait for ``task``), then close its store."""
    stop.set()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    await store.close()
