"""The JSONL simulator: the real core and a real SQLite store on a virtual clock.

Each input line is one JSON object with exactly one of these keys (see docs/simulation.md):
``community``, ``member``, ``channel`` (declare the scenario's world), ``clock`` (``set`` an instant
or ``advance`` by a duration; due jobs run as time passes, in order), ``down`` (the bot is down
``until`` an instant or ``for`` a duration: time passes without it, and it restarts as
``warmline run`` does), ``event`` (a neutral event; ``platform``, ``community``, ``at``,
``event_id`` and ``interaction`` are filled in when missing), ``press`` (a button, by label, on the
latest message that showed it) or ``submit`` (the latest form opened for someone).
Each output line is ``{"at": <virtual time>, "action": <neutral action>}`` for every action the core
took, in the order it went out. Bad lines, and lines whose handling raised, are reported on the
error stream with their line number and the run goes on.

Generated event ids carry a random id of the run (``sim-<run>-<line>``): the core drops an event
whose id it has recorded, and a ``--db`` kept from an earlier run (or console session) holds that
run's ids, so ids numbered by line alone would make a second run lose its commands.
"""

from __future__ import annotations

import json
import logging
import secrets
import tempfile
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from bot.actions import Action, AlertModerators, OpenForm, PostMessage, action_to_json
from bot.clock import VirtualClock
from bot.config import Settings, default_settings
from bot.config.timezones import timezone_suggestions, valid_zone
from bot.durations import parse_duration
from bot.events import Actor, Event, event_from_json
from bot.feature import Feature
from bot.features.registry import FEATURES, build_features
from bot.jsonform import JsonFormError, encode_value, parse_datetime
from bot.metrics import NO_METRICS, Metrics
from bot.runtime.app import Warmline
from bot.sealing import new_key
from bot.sim.recording import RecordingAdapter, Sent
from bot.store.base import JobRepo
from bot.store.open import open_store
from bot.texts import TextCatalogue

log = logging.getLogger(__name__)

PLATFORM = "sim"
DEFAULT_COMMUNITY = "community"
DEFAULT_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
SIM_COMMUNITY_SETTINGS = {"moderator_roles": ["moderator"], "supporter_roles": ["supporter"]}


class ScenarioError(ValueError):
    """A scenario line that cannot be run; the message says why."""


def new_run_id() -> str:
    """A short random id for one run: enough to keep generated event ids apart across runs on
    one database, short enough to read in an event id."""
    return secrets.token_hex(3)


@dataclass
class _DeclaredMember:
    roles: tuple[str, ...] = ()
    name: str | None = None
    timezone: str | None = None
    admin: bool = False


@dataclass
class Simulation:
    bot: Warmline
    clock: VirtualClock
    adapter: RecordingAdapter
    default_community: str = DEFAULT_COMMUNITY
    platform: str = PLATFORM
    members: dict[tuple[str, str], _DeclaredMember] = field(default_factory=dict)
    emitted: int = 0
    lineno: int = 0
    run_id: str = field(default_factory=new_run_id)
    """Part of every generated event id (``sim-<run>-<line>``); see the module docstring."""
    down_until: datetime | None = None
    """While set, the bot is down: time passes without it and events are refused."""
    rebuild: Callable[[], Awaitable[Warmline]] | None = None
    """Builds a fresh runtime on the same store and adapter, for a restart after downtime."""

    # -- running lines ---------------------------------------------------------------------------

    async def run_line(self, obj: object) -> list[Sent]:
        """Apply one scenario line; return the actions it caused."""
        self.lineno += 1
        if not isinstance(obj, dict) or len(obj) != 1:
            raise ScenarioError(
                "each line is an object with exactly one key: community, member, channel, clock,"
                " down, event, press or submit"
            )
        (kind, body), = obj.items()
        handler: dict[str, Callable[[Any], Any]] = {
            "community": self._community, "member": self._member, "channel": self._channel,
            "clock": self._clock, "down": self._down, "event": self._event, "press": self._press,
            "submit": self._submit,
        }
        if kind not in handler:
            raise ScenarioError(
                f"unknown line kind {kind!r}; use one of: {', '.join(sorted(handler))}"
            )
        if not isinstance(body, dict):
            raise ScenarioError(f"{kind!r} must be a JSON object")
        if kind in {"event", "press", "submit"} and self.down_until is not None:
            raise ScenarioError(
                f"{kind}: the bot is down until {encode_value(self.down_until)}, so nothing sees"
                " it; move the clock there first"
            )
        await handler[kind](body)
        return self.take_new()

    def take_new(self) -> list[Sent]:
        new = self.adapter.sent[self.emitted:]
        self.emitted = len(self.adapter.sent)
        return new

    async def advance_to(self, target: datetime) -> None:
        """Move time forward, stopping at every due job on the way so each runs at its time.

        While the bot is down, time passes without running anything; at the end of the downtime
        the bot restarts (:meth:`restart`) and what came due meanwhile runs then."""
        if target < self.clock.now():
            raise ScenarioError(
                f"the clock is already at {encode_value(self.clock.now())}; it cannot go back"
            )
        if self.down_until is not None:
            if target < self.down_until:
                self.clock.set(target)
                return
            self.clock.set(self.down_until)
            await self.restart()
        while True:
            await self._run_due()
            due = await self.bot.next_due()
            if due is None or due > target:
                break
            self.clock.set(max(due, self.clock.now()))
        self.clock.set(max(target, self.clock.now()))
        await self._run_due()

    async def _run_due(self) -> None:
        """Run what is due; a send that waits (a retry's backoff) moves virtual time on."""
        await self.clock.run(self.bot.run_due_once())

    async def restart(self) -> None:
        """Come back up as ``warmline run`` does at start: a fresh runtime (nothing kept in memory,
        such as recently seen event ids) on the same store, and ``scheduler.recover()``. The due
        jobs then run with the usual coalescing (one occurrence per job, the latest) and expiry."""
        self.down_until = None
        if self.rebuild is not None:
            self.bot = await self.rebuild()
        await self.bot.prepare()

    # -- line kinds ---------------------------------------------------------------------------------

    async def _community(self, body: dict[str, Any]) -> None:
        _only(body, {"id", "name", "settings"}, "community")
        cid = _str(body, "id", "community")
        store = self.bot.store
        community = await store.communities.ensure(self.platform, cid, body.get("name"))
        settings = body.get("settings", {})
        if not isinstance(settings, dict):
            raise ScenarioError("community.settings must be an object")
        await store.communities.update_settings(community.id, {**SIM_COMMUNITY_SETTINGS, **settings})
        self.default_community = cid

    async def _ensure_community(self, cid: str) -> int:
        store = self.bot.store
        found = await store.communities.find(self.platform, cid)
        if found is None:
            found = await store.communities.ensure(self.platform, cid)
            await store.communities.update_settings(found.id, dict(SIM_COMMUNITY_SETTINGS))
        return found.id

    async def _member(self, body: dict[str, Any]) -> None:
        _only(body, {"id", "name", "timezone", "roles", "quiet_hours", "community", "admin"}, "member")
        uid = _str(body, "id", "member")
        cid = str(body.get("community", self.default_community))
        community_id = await self._ensure_community(cid)
        roles = body.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise ScenarioError("member.roles must be a list of strings")
        tz = body.get("timezone")
        if tz is not None and not valid_zone(str(tz)):
            hint = ", ".join(timezone_suggestions(str(tz))) or "an IANA name like Europe/London"
            raise ScenarioError(f"member.timezone {tz!r} is not a timezone; try {hint}")
        store = self.bot.store
        member = await store.members.ensure(
            community_id, uid, display_name=body.get("name"), now=self.clock.now()
        )
        await store.members.update(
            member.id, roles=tuple(roles), timezone=tz, quiet_hours=body.get("quiet_hours"),
            display_name=body.get("name"),
        )
        self.members[(cid, uid)] = _DeclaredMember(
            roles=tuple(roles), name=body.get("name"), timezone=tz, admin=bool(body.get("admin", False))
        )

    async def _channel(self, body: dict[str, Any]) -> None:
        _only(body, {"id", "purpose", "community"}, "channel")
        channel = _str(body, "id", "channel")
        cid = str(body.get("community", self.default_community))
        community_id = await self._ensure_community(cid)
        if "purpose" in body:
            await self.bot.store.channels.set_purpose(community_id, _str(body, "purpose", "channel"), channel)

    async def _clock(self, body: dict[str, Any]) -> None:
        if set(body) == {"set"}:
            try:
                target = parse_datetime(str(body["set"]))
            except JsonFormError as exc:
                raise ScenarioError(f"clock.set: {exc}") from exc
        elif set(body) == {"advance"}:
            try:
                target = self.clock.now() + parse_duration(str(body["advance"]))
            except ValueError as exc:
                raise ScenarioError(f"clock.advance: {exc}") from exc
        else:
            raise ScenarioError('clock takes {"set": "2026-03-08T09:00:00Z"} or {"advance": "1h30m"}')
        await self.advance_to(target)

    async def _down(self, body: dict[str, Any]) -> None:
        """The bot is down from now until an instant: see :meth:`advance_to`."""
        now = self.clock.now()
        if self.down_until is not None:
            raise ScenarioError(f"down: the bot is already down until {encode_value(self.down_until)}")
        if set(body) == {"until"}:
            try:
                until = parse_datetime(str(body["until"]))
            except JsonFormError as exc:
                raise ScenarioError(f"down.until: {exc}") from exc
        elif set(body) == {"for"}:
            try:
                until = now + parse_duration(str(body["for"]))
            except ValueError as exc:
                raise ScenarioError(f"down.for: {exc}") from exc
        else:
            raise ScenarioError('down takes {"until": "2026-03-02T10:00:00Z"} or {"for": "2h"}')
        if until <= now:
            raise ScenarioError(
                f"down: {encode_value(until)} is not after the clock ({encode_value(now)})"
            )
        self.down_until = until

    async def _event(self, body: dict[str, Any]) -> None:
        data = dict(body)
        data.setdefault("platform", self.platform)
        data.setdefault("at", encode_value(self.clock.now()))
        data.setdefault("event_id", f"sim-{self.run_id}-{self.lineno}")
        if "community" not in data and not data.get("is_dm"):
            data["community"] = self.default_community
        data.setdefault("community", None)
        if data.get("type") in {"command", "button", "form"}:
            data.setdefault("interaction", f"i{self.lineno}")
        try:
            event = event_from_json(data)
        except JsonFormError as exc:
            raise ScenarioError(f"event: {exc}") from exc
        event = self._with_declared_actor(event, body)
        failed = len(self.bot.failures)
        await self.bot.handle_event(event)
        if len(self.bot.failures) > failed:
            # The person got the apology (it is in this line's output); the scenario still
            # says which line found a bug.
            raise self.bot.failures[-1]

    async def _press(self, body: dict[str, Any]) -> None:
        """Press a button by its label on the latest message that showed it to ``user``."""
        _only(body, {"user", "button", "community"}, "press")
        user = _str(body, "user", "press")
        wanted = _str(body, "button", "press").casefold()
        for sent in reversed(self.adapter.sent):
            shown = _shown_to(sent.action)
            if shown is not None and shown != user:
                continue
            for button in getattr(sent.action, "buttons", ()):
                if wanted in {button.label.casefold(), button.action.casefold()} or (
                    button.emoji and wanted == button.emoji
                ):
                    event = {
                        "type": "button", "user": user, "action": button.action, "value": button.value,
                        "message_id": sent.result.message_id, "channel": sent.result.channel,
                    }
                    if "community" in body:
                        event["community"] = body["community"]
                    await self._event(event)
                    return
        raise ScenarioError(f"press: no button {body['button']!r} has been shown to {user!r}")

    async def _submit(self, body: dict[str, Any]) -> None:
        """Submit the latest form opened for ``user`` with ``values``."""
        _only(body, {"user", "values", "community"}, "submit")
        user = _str(body, "user", "submit")
        values = body.get("values", {})
        if not isinstance(values, dict):
            raise ScenarioError("submit.values must be an object of field id to text")
        for sent in reversed(self.adapter.sent):
            if isinstance(sent.action, OpenForm) and sent.action.recipient == user:
                event = {
                    "type": "form", "user": user, "form": sent.action.form.id,
                    "context": sent.action.form.context, "values": values,
                }
                if "community" in body:
                    event["community"] = body["community"]
                await self._event(event)
                return
        raise ScenarioError(f"submit: no form has been opened for {user!r}")

    def _with_declared_actor(self, event: Event, body: dict[str, Any]) -> Event:
        """Events from a declared member carry that member's roles, like a platform would."""
        if "actor" in body or not hasattr(event, "actor"):
            return event
        declared = self.members.get((event.community or self.default_community, event.user))
        if declared is None:
            return event
        actor = Actor(display_name=declared.name, roles=declared.roles, is_admin=declared.admin)
        return replace(event, actor=actor)  # type: ignore[call-arg]


def _shown_to(action: Action) -> str | None:
    """Who can see an action's buttons: one person, or None for everyone in a channel."""
    if isinstance(action, PostMessage | AlertModerators):
        return None
    user = getattr(action, "user", None)
    return user if isinstance(user, str) else action.recipient


def raised_at(exc: BaseException) -> str:
    """``file:line`` where ``exc`` was raised: enough to find the bug, nothing from the data."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f"at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "at an unknown place"


def sent_to_json(sent: Sent) -> dict[str, Any]:
    return {"at": encode_value(sent.at), "action": action_to_json(sent.action)}


def _only(body: dict[str, Any], allowed: set[str], kind: str) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ScenarioError(
            f"{kind}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def _str(body: dict[str, Any], key: str, kind: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ScenarioError(f"{kind}.{key} must be a non-empty string")
    return value


@asynccontextmanager
async def simulation(
    *, db: str | Path | None = None, settings: Settings | None = None, start: datetime = DEFAULT_START,
    platform: str = PLATFORM, features: Sequence[type[Feature[Any]]] = FEATURES,
    metrics: Metrics = NO_METRICS,
) -> AsyncIterator[Simulation]:
    """A ready simulation; the store is a temporary file unless ``db`` is given. ``platform``
    names the platform the scenario's communities live on (tests that prepare a database for
    another adapter set it); ``features`` is the registry's list unless a test adds its own."""
    settings = settings or default_settings()
    if db is None and settings.privacy.data_key is None and not settings.privacy.key_file:
        # A throwaway database: its notes are sealed with a key made for this run alone.
        settings = replace(settings, privacy=replace(settings.privacy, data_key=new_key()))
    with tempfile.TemporaryDirectory(prefix="warmline-sim-") as tmp:
        path = Path(db) if db else Path(tmp) / "sim.db"
        store = await open_store(str(path))
        try:
            clock = VirtualClock(start)
            adapter = RecordingAdapter(clock, platform=platform)
            texts = TextCatalogue.load(overrides=settings.texts.overrides,
                                       default_locale=settings.texts.locale)
            jobs: JobRepo = store.jobs

            async def build() -> Warmline:
                store.jobs = jobs  # each runtime installs its own schedule signal around it
                return Warmline(
                    settings=settings, store=store, clock=clock, texts=texts,
                    features=await build_features(settings, store, features), adapters=[adapter],
                    metrics=metrics,
                )

            bot = await build()
            await bot.prepare()
            yield Simulation(bot=bot, clock=clock, adapter=adapter, platform=platform, rebuild=build)
        finally:
            await store.close()


async def run_stream(
    lines: Iterable[str], out: IO[str], err: IO[str], *, db: str | Path | None = None,
    settings: Settings | None = None,
) -> int:
    """Run a JSONL scenario; returns the number of bad lines (0 means a clean run)."""
    bad = 0
    async with simulation(db=db, settings=settings) as sim:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip() or raw.lstrip().startswith("//"):
                sim.lineno += 1
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                sim.lineno += 1
                bad += 1
                err.write(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})\n")
                continue
            try:
                sent = await sim.run_line(obj)
            except ScenarioError as exc:
                bad += 1
                err.write(f"line {number}: {exc}\n")
                sent = sim.take_new()
            except Exception as exc:
                # A handler (or the store) raised: the scenario found a bug, and the lines after
                # it still say something. Only the type and place: the message could quote
                # what a member wrote.
                bad += 1
                err.write(f"line {number}: handling it raised {type(exc).__name__}"
                          f" ({raised_at(exc)}); the run goes on\n")
                sent = sim.take_new()
            for item in sent:
                out.write(json.dumps(sent_to_json(item), ensure_ascii=False) + "\n")
    return bad
