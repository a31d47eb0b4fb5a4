"""``warmline demo``: a scripted day in a community, played through the real simulator.

The script is ordinary simulator lines (see docs/simulation.md) plus ``{"say": …}`` narration, so
everything the demo shows is what the core really does. Each feature adds its moments here.
"""

from __future__ import annotations

from typing import IO, Any
from zoneinfo import ZoneInfo

from bot.events import event_from_json
from bot.sim.simulate import PLATFORM, ScenarioError, Simulation, simulation
from bot.sim.transcript import describe_action, when

COMMUNITY = "harbour"
TITLE = "Harbour Peer Circle"

WORLD: list[dict[str, Any]] = [
    {"community": {"id": COMMUNITY, "name": TITLE}},
    {"member": {"id": "priya", "name": "Priya", "timezone": "Europe/London", "roles": ["moderator"]}},
    {"member": {"id": "sam", "name": "Sam", "timezone": "Europe/London"}},
    {"member": {"id": "dee", "name": "Dee", "timezone": "America/New_York", "roles": ["supporter"]}},
    {"member": {"id": "ana", "name": "Ana", "timezone": "Asia/Kolkata"}},
    {"channel": {"id": "supporters", "purpose": "supporters"}},
]

SCRIPT: list[dict[str, Any]] = [
    {"clock": {"set": "2026-03-02T08:00:00Z"}},
    {"say": "Priya, a moderator, sets up where supporters gather. Only moderators may."},
    {"event": {"type": "command", "user": "priya", "name": "warmline setup channel",
               "args": {"purpose": "supporters", "channel": "supporters"}}},
    {"say": "Sam tries a moderator command too, and is told kindly that it is for moderators."},
    {"event": {"type": "command", "user": "sam", "name": "warmline setup timezone",
               "args": {"zone": "Europe/London"}}},
    {"say": "Sam asks what Warmline keeps about people."},
    {"event": {"type": "command", "user": "sam", "name": "privacy info"}},
    {"say": "Sam chooses to join check-ins. Nobody is signed up without asking for it."},
    {"event": {"type": "command", "user": "sam", "name": "checkin join"}},
    {"say": "09:00 for Sam in London: the check-in arrives. One tap is enough."},
    {"clock": {"set": "2026-03-02T09:00:00Z"}},
    {"say": "Sam adds a short note first. Only Sam will ever see it."},
    {"press": {"user": "sam", "button": "Add a note"}},
    {"submit": {"user": "sam", "values": {"note": "Slept badly, long week."}}},
    {"say": "Then a low mood. The reply listens, and gently offers a peer."},
    {"press": {"user": "sam", "button": "Low"}},
    {"say": "Sam says yes. Supporters are asked; the note stays private."},
    {"press": {"user": "sam", "button": "Yes, please"}},
    {"say": "Dee, a supporter, picks it up with one tap, and Sam is told who will reach out."},
    {"clock": {"set": "2026-03-02T09:20:00Z"}},
    {"press": {"user": "dee", "button": "I'll reach out"}},
    {"say": "Priya marks the channel where members share how they are doing as the support channel."},
    {"event": {"type": "command", "user": "priya", "name": "warmline setup channel",
               "args": {"purpose": "support", "channel": "support"}}},
    {"say": "At noon Sam posts there. Dee answers quickly, with advice first."},
    {"clock": {"set": "2026-03-02T12:00:00Z"}},
    {"event": {"type": "message", "user": "sam", "channel": "support", "message_id": "post-1",
               "text": "Can't sleep again and work keeps piling up. I feel like I'm failing."}},
    {"event": {"type": "message", "user": "dee", "channel": "support", "message_id": "reply-1",
               "reply_to": "post-1", "text": "you should just try melatonin"}},
    {"say": "Only Dee gets a short note: what it noticed, why it matters, one opening to try. "
            "Nothing anyone wrote is kept."},
    {"say": "Ana posts too, and nobody answers."},
    {"clock": {"set": "2026-03-02T12:10:00Z"}},
    {"event": {"type": "message", "user": "ana", "channel": "support", "message_id": "post-2",
               "text": "Sundays feel really lonely since I moved here."}},
    {"say": "Before answering, Dee uses «Reply with care» on Ana's post to check her draft privately."},
    {"event": {"type": "command", "user": "dee", "name": "listening draft",
               "args": {"channel": "support", "message": "post-2"}}},
    {"submit": {"user": "dee", "values": {"draft": "at least you have your job there"}}},
    {"say": "Dee steps away before posting. Thirty minutes on, Ana's post still has no reply, so "
            "supporters are shown a link to it (never its words), once."},
    {"clock": {"set": "2026-03-02T12:40:00Z"}},
    {"say": "Ana lives in Kolkata. She joins too; her check-ins come at 09:00 on her own clock."},
    {"event": {"type": "command", "user": "ana", "name": "checkin join"}},
    {"say": "Next morning, 09:00 in Kolkata is 03:30 in London: Ana's check-in arrives on her time."},
    {"clock": {"set": "2026-03-03T04:00:00Z"}},
    {"press": {"user": "ana", "button": "Good"}},
    {"say": "Priya checks what moderators changed. Every change is in the audit log; moods never are."},
    {"event": {"type": "command", "user": "priya", "name": "warmline audit"}},
]


def _names(sim: Simulation) -> dict[str, str]:
    return {uid: (m.name or uid) for (_, uid), m in sim.members.items()}


def _describe_input(line: dict[str, Any], names: dict[str, str], sim: Simulation) -> str | None:
    from bot.sim.transcript import describe_event

    if "event" in line:
        data = dict(line["event"])
        data.setdefault("platform", PLATFORM)
        data.setdefault("community", COMMUNITY)
        data.setdefault("at", "2026-01-01T00:00:00Z")
        data.setdefault("event_id", "demo")
        return describe_event(event_from_json(data), names)
    if "press" in line:
        return f"{names.get(line['press']['user'], line['press']['user'])} taps «{line['press']['button']}»"
    if "submit" in line:
        user = line["submit"]["user"]
        return f"{names.get(user, user)} fills in the form"
    return None


async def run_demo(out: IO[str], *, script: list[dict[str, Any]] | None = None) -> int:
    """Play the day and print a transcript; returns an exit code."""
    out.write(f"Warmline demo: a day in “{TITLE}”\n")
    out.write("Everything below is simulated on a virtual clock with a temporary database;\n")
    out.write("nothing is sent anywhere. Times are shown in UTC and in each person's own zone.\n")
    async with simulation() as sim:
        for line in WORLD:
            await sim.run_line(line)
        names = _names(sim)
        out.write(f"Members: {', '.join(sorted(names.values()))}\n")
        last_day = ""
        for line in script if script is not None else SCRIPT:
            if "say" in line:
                out.write(f"\n— {line['say']}\n")
                continue
            if "clock" in line:
                sim.take_new()
            described = _describe_input(line, names, sim)
            try:
                sent = await sim.run_line(line)
            except ScenarioError as exc:
                out.write(f"  (demo step failed: {exc})\n")
                return 1
            day = sim.clock.now().strftime("%A %d %B %Y")
            if day != last_day:
                out.write(f"\n=== {day} ===\n")
                last_day = day
            if described:
                out.write(f"  {when(sim.clock.now())}  {described}\n")
            for item in sent:
                if described:  # an answer to what someone just did
                    out.write(f"      {describe_action(item.action, names)}\n")
                    continue
                zone = _zone_for(item.action, sim)
                local = ""
                if zone and item.at.astimezone(ZoneInfo(zone)).utcoffset():
                    local = f" = {when(item.at, zone)} for them"
                out.write(f"  {when(item.at)}{local}\n      {describe_action(item.action, names)}\n")
    out.write("\nThat was the demo. Try it yourself: warmline console (you play the members).\n")
    out.write("To run Warmline on a real server, see docs/discord.md.\n")
    return 0


def _zone_for(action: object, sim: Simulation) -> str | None:
    user = getattr(action, "user", None) or getattr(action, "recipient", None)
    for (_, uid), member in sim.members.items():
        if uid == user:
            return member.timezone
    return None
