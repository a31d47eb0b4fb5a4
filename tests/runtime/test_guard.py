"""Issue 12, point 8: per-person rate limits and length limits, enforced in the core whatever
the adapter does, each with one polite answer; time is the virtual clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.actions import Action, Form, FormField, OpenForm
from bot.answer import answer
from bot.config import default_settings
from bot.events import ButtonPressed, CommandInvoked, FormSubmitted
from bot.feature import ArgSpec, Context, Feature, Handlers
from bot.features.basics import Basics
from bot.runtime.guard import MAX_FIELD, RateLimiter
from bot.sim.simulate import Simulation, simulation
from tests.helpers.checkins import only, run

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_a_bucket_allows_a_burst_then_tells_once_then_drops_until_it_refills() -> None:
    limiter = RateLimiter(per_minute=30, burst=3)
    key = ("sim", "c", "sam")
    assert [limiter.allow(key, T0) for _ in range(6)] == ["ok"] * 3 + ["tell", "drop", "drop"]
    assert limiter.allow(("sim", "c", "dee"), T0) == "ok"  # someone else is not held up
    assert limiter.allow(("sim", "other", "sam"), T0) == "ok"  # nor the same person elsewhere
    assert limiter.allow(key, T0 + timedelta(seconds=1)) == "drop"  # half a token
    assert limiter.allow(key, T0 + timedelta(seconds=2)) == "ok"  # 30 a minute: one per 2 s
    assert limiter.allow(key, T0 + timedelta(seconds=2)) == "tell"  # a new stretch, told again
    assert limiter.allow(key, T0 + timedelta(minutes=10)) == "ok"


def test_a_bucket_never_holds_more_than_its_burst_and_forgets_the_least_recent() -> None:
    limiter = RateLimiter(per_minute=60, burst=2, max_keys=2)
    key = ("sim", "c", "sam")
    assert limiter.allow(key, T0) == "ok"
    assert [limiter.allow(key, T0 + timedelta(hours=1)) for _ in range(3)] == ["ok", "ok", "tell"]
    limiter.allow(("sim", "c", "a"), T0)
    limiter.allow(("sim", "c", "b"), T0)
    assert len(limiter._buckets) == 2 and key not in limiter._buckets


# -- through the simulator: the real core, a feature that checks nothing itself ------------------

probe: Handlers[list[str]] = Handlers("probe")
FORM = "probe.form"


@probe.command("probe say", "Say something short",
               args=(ArgSpec(name="text", description="at most 5", max_length=5),))
async def _say(event: CommandInvoked, ctx: Context[list[str]]) -> Sequence[Action]:
    ctx.repo.append(event.args.get("text", ""))
    return answer(event, "heard")


@probe.button(FORM, creates_member=True)
async def _open(event: ButtonPressed, ctx: Context[list[str]]) -> Sequence[Action]:
    assert event.interaction
    return [OpenForm(platform=event.platform, community=event.community, recipient=event.user,
                     interaction=event.interaction,
                     form=Form(id=FORM, title="t", context="ctx",
                               fields=(FormField(id="words", label="w", max_length=10),)))]


@probe.form(FORM)
async def _submitted(event: FormSubmitted, ctx: Context[list[str]]) -> Sequence[Action]:
    ctx.repo.append(event.values.get("words", ""))
    return answer(event, "kept")


class Probe(Feature[list[str]]):
    name = "probe"
    handlers = probe

    @classmethod
    async def build(cls, settings: Any, store: Any) -> Feature[Any]:
        return cls(settings=settings, repo=[])


def _heard(sim: Simulation) -> list[str]:
    return list(sim.bot.core.routes.by_name["probe"].repo)


async def _help(sim: Simulation, user: str = "sam") -> list[dict[str, Any]]:
    return await run(sim, {"event": {"type": "command", "user": user, "name": "warmline help"}})


async def _sim(db: Path, **limits: int) -> Any:
    base = default_settings()
    settings = replace(base, limits=replace(base.limits, **limits))
    return simulation(db=db, settings=settings, start=T0, features=(Basics, Probe))


async def test_a_burst_of_commands_gets_one_polite_answer_then_silence(tmp_path: Path) -> None:
    async with await _sim(tmp_path / "w.db", burst=3, per_minute=30) as sim:
        answers = [await _help(sim) for _ in range(3)]
        assert all("Here is what I can do" in only(a)["text"] for a in answers)
        told = only(await _help(sim))
        assert told["type"] == "respond" and "taking a short breather" in told["text"]
        assert await _help(sim) == [] and await _help(sim) == []  # no answer per dropped press
        assert "Here is what I can do" in only(await _help(sim, "dee"))["text"]
        await run(sim, {"clock": {"advance": "2s"}})
        assert "Here is what I can do" in only(await _help(sim))["text"]
        assert sim.bot.core.guard.refused == 3


async def test_buttons_and_forms_count_too(tmp_path: Path) -> None:
    async with await _sim(tmp_path / "w.db", burst=2, per_minute=60) as sim:
        press = {"event": {"type": "button", "user": "sam", "action": FORM}}
        assert only(await run(sim, press))["type"] == "open_form"
        assert only(await run(sim, {"submit": {"user": "sam", "values": {"words": "hi"}}}))
        told = only(await run(sim, press))
        assert "taking a short breather" in told["text"]
        assert _heard(sim) == ["hi"]


async def test_an_argument_longer_than_declared_never_reaches_the_feature(tmp_path: Path) -> None:
    async with await _sim(tmp_path / "w.db") as sim:
        said = only(await run(sim, {"event": {"type": "command", "user": "sam",
                                              "name": "probe say", "args": {"text": "x" * 6}}}))
        assert said["text"] == ("What you gave for text is 6 characters, and it can be up to 5. "
                                "Could you make it shorter and try again?")
        assert only(await run(sim, {"event": {"type": "command", "user": "sam",
                                              "name": "probe say", "args": {"text": "hello"}}}))
        assert _heard(sim) == ["hello"]


async def test_a_form_field_is_held_to_the_limit_it_was_opened_with(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    press = {"event": {"type": "button", "user": "sam", "action": FORM, "value": "v1"}}
    async with await _sim(db) as sim:
        await run(sim, press)
        long = only(await run(sim, {"submit": {"user": "sam", "values": {"words": "y" * 11}}}))
        assert "11 characters" in long["text"] and "up to 10" in long["text"]
        (again,) = long["buttons"]
        assert (again["action"], again["value"], again["label"]) == (FORM, "v1", "Write it again")
        assert only(await run(sim, {"submit": {"user": "sam", "values": {"words": "y" * 10}}}))
        assert _heard(sim) == ["y" * 10]
    async with await _sim(db) as sim:  # after a restart the form's own limit is unknown
        submit = {"event": {"type": "form", "user": "sam", "form": FORM, "context": "ctx",
                            "values": {"words": "z" * (MAX_FIELD + 1)}}}
        ceiling = only(await run(sim, submit))
        assert f"up to {MAX_FIELD}" in ceiling["text"] and ceiling["buttons"] == []
        assert _heard(sim) == []
