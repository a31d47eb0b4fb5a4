"""A file adapter: events from a JSONL file, actions appended to another.

For trying ``warmline run`` without a chat platform and for end-to-end tests of the running
process (signals, restarts). It follows the events file like ``tail -f``; each line is a neutral
event in its JSON form (``platform`` may be left out). Each action is written as one JSON line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from bot.actions import Action, action_to_json
from bot.adapter import Capabilities, EventSink, SendResult
from bot.events import event_from_json
from bot.feature import CommandSpec
from bot.jsonform import JsonFormError

log = logging.getLogger(__name__)
PLATFORM = "files"


class FileAdapter:
    platform = PLATFORM

    def __init__(self, events: Path, actions: Path, *, poll_seconds: float = 0.1,
                 sends_per_second: float = 1000.0) -> None:
        self.capabilities = Capabilities(sends_per_second=sends_per_second, max_text=4000)
        self.events_path = events
        self.actions_path = actions
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None
        self._ids = 0

    async def start(self, sink: EventSink) -> None:
        self.events_path.touch(exist_ok=True)
        self._task = asyncio.create_task(self._follow(sink), name="files-adapter-follow")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _follow(self, sink: EventSink) -> None:
        position = 0
        number = 0
        pending = ""
        while True:
            with self.events_path.open("r", encoding="utf-8") as fh:
                fh.seek(position)
                chunk = fh.read()
                position = fh.tell()
            pending += chunk
            *lines, pending = pending.split("\n")
            for line in lines:
                number += 1
                if line.strip():
                    await self._submit(sink, line, number)
            await asyncio.sleep(self.poll_seconds)

    async def _submit(self, sink: EventSink, line: str, number: int) -> None:
        try:
            data: Any = json.loads(line)
            if isinstance(data, dict):
                data.setdefault("platform", PLATFORM)
            event = event_from_json(data)
        except (json.JSONDecodeError, JsonFormError) as exc:
            log.warning("events file line %d ignored: %s", number, type(exc).__name__)
            return
        await sink(event)

    async def send(self, action: Action) -> SendResult:
        self._ids += 1
        line = json.dumps(action_to_json(action), ensure_ascii=False) + "\n"
        fd = os.open(self.actions_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        return SendResult(message_id=f"f{self._ids}")


def create_adapter(settings: Any, commands: list[CommandSpec]) -> FileAdapter:
    files = settings.files
    return FileAdapter(Path(files.events), Path(files.actions), sends_per_second=files.sends_per_second)
