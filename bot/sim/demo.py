"""``warmline demo``: a scripted day in a community, played through the real simulator.

The script is ordinary simulator lines (see docs/simulation.md) plus ``{"say": …}`` narration, so
everything the demo shows is what the core really does. Each feature adds its moments here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from bot.config import Settings, default_settings
from bot.events import event_from_json
from bot.sealing import new_key
from bot.sim.simulate import PLATFORM, ScenarioError, Simulation, simulation
from bot.sim.transcript import describe_action, when

COMMUNITY = "harbour"
TITLE = "Harbour Peer Circle"

WORLD: list[dict[str, Any]] = [
    {"community": {"id": COMMUNITY, "name": TITLE}},
    {"member": {"id": "priya", "name": "Priya", "timezone": "Europe/London", "roles": ["moderator"]}},
    {"member": {"id": "sam", "name": "Sam", "timezone": "Europe/London"}},
    {"member": {"id": "dee", "name": "Dee", "timezone": "America/New_York", "roles": ["supporter"]}},
    {"member": {"id": "eve", "name": "Eve", "timezone": "Europe/London", "roles": ["supporter"]}},
    {"member": {"id": "ana", "name": "Ana", "timezone": "Asia/Kolkata"}},
    {"channel": {"id": "supporters", "purpose": "supporters"}},
    {"channel": {"id": "moderators", "purpose": "moderators"}},
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
    {"say": "Eve, a supporter in London, goes on duty for the morning: requests can reach her now."},
    {"clock": {"set": "2026-03-02T08:30:00Z"}},
    {"event": {"type": "command", "user": "eve", "name": "duty on"}},
    {"say": "09:00 for Sam in London: the check-in arrives. One tap is enough."},
    {"clock": {"set": "2026-03-02T09:00:00Z"}},
    {"say": "Sam adds a short note first. Only Sam will ever see it."},
    {"press": {"user": "sam", "button": "Add a note"}},
    {"submit": {"user": "sam", "values": {"note": "Slept badly, long week."}}},
    {"say": "Then a low mood. The reply listens, and gently offers a peer."},
    {"press": {"user": "sam", "button": "Low"}},
    {"say": "Sam says yes. Eve, the supporter on duty, is asked by name; the note stays private."},
    {"press": {"user": "sam", "button": "Yes, please"}},
    {"say": "Eve has to step away and goes off duty: no more requests will reach her."},
    {"clock": {"set": "2026-03-02T09:10:00Z"}},
    {"event": {"type": "command", "user": "eve", "name": "duty off"}},
    {"say": "Dee, a supporter in New York, comes on duty a little later."},
    {"clock": {"set": "2026-03-02T09:30:00Z"}},
    {"event": {"type": "command", "user": "dee", "name": "duty on"}},
    {"say": "An hour after Sam asked, nobody has picked it up, so it is asked again: this time it"
            " goes to Dee, who is on duty, not to Eve, who is resting."},
    {"clock": {"set": "2026-03-02T10:00:00Z"}},
    {"say": "Dee picks it up with one tap, and Sam is told who will reach out."},
    {"clock": {"set": "2026-03-02T10:05:00Z"}},
    {"press": {"user": "dee", "button": "I'll reach out"}},
    {"say": "Dee's stretch on duty ends by itself after two hours, with thanks."},
    {"clock": {"set": "2026-03-02T11:45:00Z"}},
    {"say": "Priya marks the channel where members share how they are doing as the support channel."},
    {"event": {"type": "command", "user": "priya", "name": "warmline setup channel",
               "args": {"purpose": "support", "channel": "support"}}},
    {"say": "At noon Eve is back on duty after her break. Sam posts in the support channel, and"
            " Dee answers quickly, with advice first."},
    {"clock": {"set": "2026-03-02T12:00:00Z"}},
    {"event": {"type": "command", "user": "eve", "name": "duty on"}},
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
            "Eve, the supporter on duty, is shown a link to it (never its words), once."},
    {"clock": {"set": "2026-03-02T12:40:00Z"}},
    {"say": "Ana lives in Kolkata. She joins check-ins, and keeps her mornings quiet until 09:30"
            " her time."},
    {"event": {"type": "command", "user": "ana", "name": "checkin join"}},
    {"event": {"type": "command", "user": "ana", "name": "quiet set",
               "args": {"hours": "22:00-09:30"}}},
    {"say": "Later Dee gets a private \"how are you doing?\" after that heavy conversation."},
    {"clock": {"set": "2026-03-02T14:00:00Z"}},
    {"say": "Late that night Ana writes in the group that she wants to die. It is 02:00 in "
            "Kolkata, inside her quiet hours, but crisis resources are never held: Warmline "
            "answers her at once, with real numbers, and tells the moderators without quoting her."},
    {"clock": {"set": "2026-03-02T20:30:00Z"}},
    {"event": {"type": "message", "user": "ana", "channel": "general", "message_id": "ana-1",
               "text": "honestly I just want to die. I can't do this anymore"}},
    {"say": "Priya takes it with one tap. The other moderators see she is on it; nothing widens."},
    {"clock": {"set": "2026-03-02T20:34:00Z"}},
    {"press": {"user": "priya", "button": "I'm on it"}},
    {"say": "Next morning at 09:00 in Kolkata, Ana's check-in is due, but she is in her quiet"
            " hours: it waits."},
    {"clock": {"set": "2026-03-03T03:30:00Z"}},
    {"say": "At 09:30 in Kolkata her quiet hours end, and the check-in arrives."},
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


def demo_settings() -> Settings:
    """The defaults, with a data key made for this run: the demo's database is thrown away at
    the end, so its notes are sealed with a key nobody needs to keep."""
    base = default_settings()
    return replace(base, privacy=replace(base.privacy, data_key=new_key()))


async def run_demo(out: IO[str], *, script: list[dict[str, Any]] | None = None) -> int:
    """Play the day and print a transcript; returns an exit code."""
    out.write(f"Warmline demo: a day in “{TITLE}”\n")
    out.write("Everything below is simulated on a virtual clock with a temporary database;\n")
    out.write("nothing is sent anywhere. Times are shown in UTC and in each person's own zone.\n")
    async with simulation(settings=demo_settings()) as sim:
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
            if described:
                last_day = _day_header(out, sim.clock.now(), last_day)
                out.write(f"  {when(sim.clock.now())}  {described}\n")
            for item in sent:
                if described:  # an answer to what someone just did
                    out.write(f"      {describe_action(item.action, names)}\n")
                    continue
                last_day = _day_header(out, item.at, last_day)
                zone = _zone_for(item.action, sim)
                local = ""
                if zone and item.at.astimezone(ZoneInfo(zone)).utcoffset():
                    local = f" = {when(item.at, zone)} for them"
                out.write(f"  {when(item.at)}{local}\n      {describe_action(item.action, names)}\n")
    out.write("\nThat was the demo. Try it yourself: warmline console (you play the members).\n")
    out.write("To run Warmline on a real server, see docs/discord.md.\n")
    return 0


def _day_header(out: IO[str], at: datetime, last_day: str) -> str:
    """A day's heading before the first thing that happens on it (UTC)."""
    day = at.strftime("%A %d %B %Y")
    if day != last_day:
        out.write(f"\n=== {day} ===\n")
    return day


def _zone_for(action: object, sim: Simulation) -> str | None:
    user = getattr(action, "user", None) or getattr(action, "recipient", None)
    for (_, uid), member in sim.members.items():
        if uid == user:
            return member.timezone
    return None
