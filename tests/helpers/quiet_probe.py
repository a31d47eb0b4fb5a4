"""A test-only feature that sends what quiet hours must hold back or let through, and helpers
to drive it and read a member's hold in the simulator.

* jobs ``probe.dm`` (no expiry) and ``probe.stale`` (stale after an hour, like a check-in
  prompt): a direct message to the job's member, with the payload's text and ``urgent`` flag;
* ``probe poke`` (``user``, ``text``, ``urgent``): someone else's command that messages ``user``
  (not an answer to what ``user`` did, so it waits, unless urgent);
* ``probe self`` (``text``): a command answered by a direct message to whoever ran it (an answer
  to what they have just done, so it passes).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.actions import Action, SendDirect
from bot.events import CommandInvoked
from bot.feature import ArgSpec, Context, Feature, Handlers
from bot.model import Claim
from bot.people import hold_of
from bot.quiet import Hold
from bot.sim.simulate import Simulation

probe: Handlers[None] = Handlers("probe")

STALE_AFTER = timedelta(hours=1)


async def _direct(claim: Claim, ctx: Context[None]) -> Sequence[Action]:
    member = ctx.member
    assert member is not None
    return [SendDirect(platform=ctx.platform, community=ctx.community.platform_id,
                       recipient=member.platform_user_id, user=member.platform_user_id,
                       text=str(claim.job.payload["text"]),
                       urgent=bool(claim.job.payload.get("urgent")))]


probe.job("probe.dm")(_direct)
probe.job("probe.stale", expiry=STALE_AFTER)(_direct)


@probe.command("probe poke", "Message someone else", args=(
    ArgSpec(name="user", description="who"), ArgSpec(name="text", description="what"),
    ArgSpec(name="urgent", description="yes/no", required=False)))
async def poke(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    user = event.args["user"]
    return [SendDirect(platform=event.platform, community=event.community, recipient=user,
                       user=user, text=event.args["text"],
                       urgent=event.args.get("urgent") == "yes")]


@probe.command("probe self", "Answered by a direct message",
               args=(ArgSpec(name="text", description="what"),))
async def answer_by_dm(event: CommandInvoked, ctx: Context[None]) -> Sequence[Action]:
    return [SendDirect(platform=event.platform, community=event.community, recipient=event.user,
                       user=event.user, text=event.args["text"])]


class Probe(Feature[None]):
    name = "probe"
    handlers = probe


async def schedule(sim: Simulation, user: str, at: datetime, text: str, *,
                   stale: bool = False, urgent: bool = False, community: str = "c") -> None:
    """A one-off probe job for ``user`` at ``at`` (its subject is its text, so keep it unique)."""
    store = sim.bot.store
    found = await store.communities.find(sim.platform, community)
    assert found is not None
    member = await store.members.find(found.id, user)
    assert member is not None
    await store.jobs.upsert(kind="probe.stale" if stale else "probe.dm", subject=text,
                            community_id=found.id, member_id=member.id, rule=None, zone="UTC",
                            next_run=at, payload={"text": text, "urgent": urgent})


async def hold_now(sim: Simulation, user: str, community: str = "c") -> Hold:
    """What holds ``user`` back now, read from the store as the gate reads it."""
    store = sim.bot.store
    found = await store.communities.find(sim.platform, community)
    assert found is not None
    member = await store.members.find(found.id, user)
    assert member is not None
    return hold_of(member, found, sim.bot.settings)


async def deferred_rows(sim: Simulation) -> list[dict[str, object]]:
    rows = await sim.bot.store.db.fetchall(
        "SELECT member_id, release_at, expires_at, action, status, reason FROM deferred ORDER BY id")
    return [dict(r) for r in rows]
