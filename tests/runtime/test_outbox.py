"""The outbox paces, retries with backoff, honours retry_after and reports what it could not do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.actions import SendDirect
from bot.adapter import Capabilities, Fatal, RateLimited, Transient, Unreachable
from bot.clock import VirtualClock
from bot.runtime.outbox import Outbox, RetryPolicy
from bot.sim.recording import RecordingAdapter

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def dm(user: str) -> SendDirect:
    return SendDirect(platform="sim", user=user, recipient=user, text="hi")


def setup(rate: float = float("inf"), **retry: float) -> tuple[VirtualClock, RecordingAdapter, Outbox]:
    clock = VirtualClock(START)
    adapter = RecordingAdapter(clock, capabilities=Capabilities(sends_per_second=rate))
    outbox = Outbox({"sim": adapter}, clock, retry=RetryPolicy(**retry))  # type: ignore[arg-type]
    return clock, adapter, outbox


async def test_a_rate_limited_send_waits_at_least_retry_after_then_goes_out_once() -> None:
    clock, adapter, outbox = setup(base_backoff=0.1)
    adapter.fail_next(RateLimited(2.5))
    outcome = await clock.run(outbox.deliver([dm("sam")]))
    assert outcome.status == "sent"
    assert len(adapter.sent) == 1
    assert adapter.sent[0].at - START >= timedelta(seconds=2.5)


async def test_transient_errors_back_off_exponentially() -> None:
    clock, adapter, outbox = setup(base_backoff=1.0, max_attempts=5)
    adapter.fail_next(Transient("502"), Transient("502"), Transient("502"))
    outcome = await clock.run(outbox.deliver([dm("sam")]))
    assert outcome.status == "sent"
    assert adapter.sent[0].at - START == timedelta(seconds=1 + 2 + 4)


async def test_giving_up_after_max_attempts_is_reported_not_hidden() -> None:
    clock, adapter, outbox = setup(base_backoff=0.5, max_attempts=3)
    adapter.fail_next(*(Transient("down") for _ in range(3)))
    outcome = await clock.run(outbox.deliver([dm("sam")]))
    assert (outcome.status, outcome.reason) == ("failed", "transient")
    assert adapter.sent == []
    assert outbox.failed == 1


async def test_unreachable_people_are_named_in_the_outcome() -> None:
    clock, adapter, outbox = setup()
    adapter.fail_next(Unreachable("sam", "dm_closed"))
    outcome = await clock.run(outbox.deliver([dm("sam"), dm("dee")]))
    assert outcome.status == "unreachable"
    told = [(exc.user, exc.reason) for _, exc in outcome.unreachable]
    assert told == [("sam", "dm_closed")]
    assert [s.action.user for s in adapter.sent] == ["dee"]  # type: ignore[attr-defined]


async def test_fatal_errors_are_not_retried() -> None:
    clock, adapter, outbox = setup()
    adapter.fail_next(Fatal("missing permission"))
    outcome = await clock.run(outbox.deliver([dm("sam")]))
    assert outcome.status == "failed"
    assert clock.now() == START


async def test_a_fan_out_is_paced_to_the_adapters_rate() -> None:
    clock, adapter, outbox = setup(rate=10.0)
    outcome = await clock.run(outbox.deliver([dm(f"u{i}") for i in range(100)]))
    assert outcome.status == "sent"
    span = (adapter.sent[-1].at - adapter.sent[0].at).total_seconds()
    # a burst of 10 goes at once, the other 90 at 10 per second
    assert 8.9 <= span <= 9.1
    per_second: dict[int, int] = {}
    for s in adapter.sent:
        second = int((s.at - START).total_seconds())
        per_second[second] = per_second.get(second, 0) + 1
    assert max(per_second.values()) <= 20


async def test_a_global_rate_limit_pauses_everything_on_that_platform() -> None:
    clock, adapter, outbox = setup(rate=5.0, base_backoff=0.1)
    adapter.fail_next(RateLimited(3.0, is_global=True))
    await clock.run(outbox.deliver([dm("a"), dm("b")]))
    assert all(s.at - START >= timedelta(seconds=3) for s in adapter.sent)


async def test_an_action_for_a_platform_without_adapter_is_dropped_and_counted() -> None:
    clock, _, outbox = setup()
    outcome = await clock.run(outbox.deliver([SendDirect(platform="nowhere", user="x", text="hi")]))
    assert (outcome.status, outcome.reason) == ("dropped", "no-adapter")
