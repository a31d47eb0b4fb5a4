"""``warmline console``: play several members of a community against the real core.

Everything runs through the simulator (real core, real SQLite store, virtual clock), so what you see
is what a community would see. Type ``help`` for the commands.
"""

from __future__ import annotations

import asyncio
import shlex
import sys
from pathlib import Path
from typing import IO, Any

from bot.actions import Button
from bot.config import Settings
from bot.sim.recording import Sent
from bot.sim.simulate import ScenarioError, Simulation, raised_at, simulation
from bot.sim.transcript import describe_action, when

HELP = """Commands:
  as NAME [ZONE] [ROLE,...]   become member NAME (created if new), e.g. as dee America/New_York supporter
  say TEXT                    post TEXT in the current channel
  reply N TEXT                reply to message N (numbers are shown next to posts)
  dm TEXT                     write to Warmline in a direct message
  channel NAME                move to channel NAME
  /COMMAND [key=value ...]    run a command, e.g. /checkin timezone zone=Europe/Paris
  press N                     press button N from the latest list
  form key=value ...          fill in the form Warmline just opened
  wait DURATION               let time pass (15m, 2h, 1d); scheduled things happen
  time                        show the time
  help | quit"""


class Console:
    def __init__(self, sim: Simulation, out: IO[str]) -> None:
        self.sim = sim
        self.out = out
        self.user = "you"
        self.channel = "general"
        self.counter = 0
        self.posts: dict[int, str] = {}
        self.buttons: list[Button] = []

    @property
    def names(self) -> dict[str, str]:
        return {uid: (m.name or uid) for (_, uid), m in self.sim.members.items()}

    async def line(self, raw: str) -> bool:
        """Run one console line; False means quit."""
        raw = raw.strip()
        if not raw:
            return True
        if raw in {"quit", "exit"}:
            return False
        try:
            await self._dispatch(raw)
        except ScenarioError as exc:
            self.out.write(f"  ! {exc}\n")
        except ValueError as exc:
            self.out.write(f"  ! {exc}\n")
        except Exception as exc:
            # A bug the session found: say so and carry on, as the simulator does. Only the type
            # and place: the message could quote what was typed.
            self.out.write(f"  ! handling it raised {type(exc).__name__} ({raised_at(exc)})\n")
        return True

    async def _dispatch(self, raw: str) -> None:
        head, _, rest = raw.partition(" ")
        if head == "help":
            self.out.write(HELP + "\n")
        elif head == "time":
            self.out.write(f"  it is {when(self.sim.clock.now())}\n")
        elif head == "as":
            await self._as(shlex.split(rest))
        elif head == "channel":
            self.channel = rest.strip() or self.channel
            self.out.write(f"  you are in #{self.channel}\n")
        elif head == "say":
            await self._post(rest, reply_to=None)
        elif head == "reply":
            number, _, text = rest.partition(" ")
            if not number.isdigit() or int(number) not in self.posts:
                raise ValueError("reply needs the number of a message shown above")
            await self._post(text, reply_to=self.posts[int(number)])
        elif head == "dm":
            await self._run({"event": {"type": "message", "user": self.user, "channel": f"dm-{self.user}",
                                       "message_id": self._next_id(), "text": rest, "is_dm": True}})
        elif head.startswith("/"):
            parts = shlex.split(raw[1:])
            names = [p for p in parts if "=" not in p]
            args = dict(p.split("=", 1) for p in parts if "=" in p)
            await self._run({"event": {"type": "command", "user": self.user, "name": " ".join(names),
                                       "args": args, "channel": self.channel}})
        elif head == "press":
            if not rest.strip().isdigit() or not 1 <= int(rest) <= len(self.buttons):
                raise ValueError("press needs the number of a button shown above")
            button = self.buttons[int(rest) - 1]
            await self._run({"event": {"type": "button", "user": self.user, "action": button.action,
                                       "value": button.value, "channel": self.channel}})
        elif head == "form":
            values = dict(p.split("=", 1) for p in shlex.split(rest) if "=" in p)
            await self._run({"submit": {"user": self.user, "values": values}})
        elif head == "wait":
            await self._run({"clock": {"advance": rest.strip()}})
            self.out.write(f"  it is now {when(self.sim.clock.now())}\n")
        else:
            raise ValueError(f"unknown command {head!r}; type help")

    async def _as(self, parts: list[str]) -> None:
        if not parts:
            raise ValueError("as needs a name, e.g. as sam Europe/London")
        name = parts[0]
        uid = name.lower()
        body: dict[str, Any] = {"id": uid, "name": name}
        if len(parts) > 1:
            body["timezone"] = parts[1]
        if len(parts) > 2:
            body["roles"] = parts[2].split(",")
        if len(parts) > 1 or ("community", uid) not in self.sim.members:
            await self._run({"member": body})
        self.user = uid
        self.out.write(f"  you are now {name}\n")

    def _next_id(self) -> str:
        self.counter += 1
        return f"c{self.counter}"

    async def _post(self, text: str, reply_to: str | None) -> None:
        message_id = self._next_id()
        self.posts[self.counter] = message_id
        self.out.write(f"  [{self.counter}] {self.names.get(self.user, self.user)}: {text}\n")
        event: dict[str, Any] = {"type": "message", "user": self.user, "channel": self.channel,
                                 "message_id": message_id, "text": text}
        if reply_to:
            event["reply_to"] = reply_to
        await self._run({"event": event})

    async def _run(self, line: dict[str, Any]) -> None:
        self._show(await self.sim.run_line(line))

    def _show(self, sent: list[Sent]) -> None:
        if not sent:
            return
        self.buttons = []
        for item in sent:
            first = len(self.buttons) + 1
            self.buttons.extend(getattr(item.action, "buttons", ()))
            self.out.write(f"  {when(item.at)}\n    {describe_action(item.action, self.names, first)}\n")


async def run_console(settings: Settings, *, db: str | Path | None = None,
                      stdin: IO[str] | None = None, out: IO[str] | None = None) -> int:
    source = stdin or sys.stdin
    sink = out or sys.stdout
    async with simulation(db=db, settings=settings) as sim:
        console = Console(sim, sink)
        await console.line("as you")
        sink.write("Warmline console: you play the members of a community. Type help.\n")
        interactive = source.isatty()
        while True:
            if interactive:
                sink.write(f"{console.user}@#{console.channel}> ")
                sink.flush()
            raw = await asyncio.to_thread(source.readline)
            if not raw:
                break
            if not interactive:
                sink.write(f"{console.user}> {raw.rstrip()}\n")
            if not await console.line(raw):
                break
    return 0
