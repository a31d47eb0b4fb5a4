"""A file adapter: events from a JSONL file, actions appended to another.

For trying ``warmline run`` without a chat platform and for end-to-end tests of the running
process (signals, restarts). It follows the events file like ``tail -f``; each line is a neutral
event in its JSON form (``platform`` may be left out). Each action is written as one JSON line.

**Bad lines are skipped, never fatal.** The events file is written by hand or by scripts, so a
line may be anything. A line that is not UTF-8, not JSON, longer than :data:`MAX_LINE_BYTES`,
nested deeper than :data:`MAX_DEPTH`, holds an integer of more than :data:`MAX_INT_DIGITS`
digits, or is not an event is skipped with a WARNING naming its line number and why (never its
content: it may be a member's message), and reading goes on. The limits are checked before the
JSON parser runs, or by it as it goes, so one line costs bounded work and cannot end the reader
(Python's own guards, ``RecursionError`` and the int-to-string limit, are a second line: the
latter is process-wide, so it is not ours to set).

**Where reading resumes.** The byte offset of the first line whose event the core has not yet
handled, and its line number, are kept in a sidecar file next to the events file
(``<events>.offset``), replaced atomically after each batch, while idle, and when the adapter
stops. The sink confirms each event once the core has handled it and committed what it wrote
(``handled=``), and the position moves only past a prefix of handled lines, so a restart never
skips a line. It may read a few again (those queued, or handled after the last save): the core
drops interactions it recorded and counts messages by their id, so a replay changes nothing.
If the events file is shorter than the offset (truncated, or replaced by a new file), reading
starts again from its first line, with a warning.

**A reader that dies says so.** An unexpected error (the events file unreadable, the sidecar not
writable, a sink that raises) ends the reader task: it is logged at ERROR with the exception's
type and where it was raised (not its message, which could quote a line), and it is made
observable to the runtime, which cannot otherwise tell a quiet file from a dead reader:

- ``adapter.failed`` (an :class:`asyncio.Event`) is set, and ``adapter.failure`` holds the
  exception;
- ``on_failure`` (a constructor argument), when given, is called with the exception.

The runtime is meant to wait on ``failed`` (or pass ``on_failure``) and exit non-zero, so that a
supervisor restarts the process instead of leaving it up and deaf.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import traceback
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.actions import Action, action_to_json
from bot.adapter import Capabilities, EventSink, SendResult
from bot.events import Event, event_from_json
from bot.feature import CommandSpec
from bot.jsonform import JsonFormError

log = logging.getLogger(__name__)
PLATFORM = "files"

MAX_LINE_BYTES = 64 * 1024
"""The longest line read as an event. A platform message is at most a few thousand characters;
even written with every character escaped (``\\ud83d\\ude00``) it stays well under this."""
MAX_DEPTH = 32
"""Events nest three levels deep (``actor``, ``args``); anything much deeper is not an event."""
MAX_INT_DIGITS = 32
"""No event field is an integer; a long one can only be noise (or an attempt to make ``int()``
work quadratically), so it is refused before it is converted."""
READ_CHUNK = 1024 * 1024
"""Bytes read per step, so a huge file (or a huge line) never has to fit in memory at once."""
OFFSET_SUFFIX = ".offset"


class BadLine(ValueError):
    """A line that is not an event; the message says why, without quoting the line."""


_SYNTAX = re.compile(r'[\[\]{}"\\]')


def _too_deep(text: str, limit: int) -> bool:
    """Whether ``text`` nests arrays/objects deeper than ``limit``, brackets in strings aside.

    One pass over the few characters that matter (brackets, quotes, backslashes), stopping as
    soon as the limit is passed: linear in the line, whatever it holds.
    """
    depth = 0
    in_string = False
    escaped = -1  # the position of a character escaped by a backslash
    for match in _SYNTAX.finditer(text):
        pos, char = match.start(), match.group()
        if pos == escaped:
            continue
        if in_string:
            if char == "\\":
                escaped = pos + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _bounded_int(digits: str) -> int:
    if len(digits) > MAX_INT_DIGITS + 1:  # + 1 for a minus sign
        raise BadLine(f"an integer longer than {MAX_INT_DIGITS} digits")
    return int(digits)


def parse_event_line(raw: bytes) -> Event:
    """The event on one line of the events file, or :class:`BadLine` saying why not."""
    if len(raw) > MAX_LINE_BYTES:
        raise BadLine(f"longer than {MAX_LINE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadLine("not valid UTF-8") from None
    if _too_deep(text, MAX_DEPTH):
        raise BadLine(f"nested deeper than {MAX_DEPTH} levels")
    try:
        data: Any = json.loads(text, parse_int=_bounded_int)
    except BadLine:
        raise
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise BadLine(f"not valid JSON ({type(exc).__name__})") from None
    if isinstance(data, dict):
        data.setdefault("platform", PLATFORM)
    try:
        return event_from_json(data)
    except (JsonFormError, ValueError, TypeError, RecursionError) as exc:
        # Only the type: a JsonFormError's message may quote a field's value.
        raise BadLine(f"not an event ({type(exc).__name__})") from None


def _raised_at(exc: BaseException) -> str:
    """``file:line`` where ``exc`` was raised: enough to find the bug, nothing from the data."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown place"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno}"


class FileAdapter:
    """Follows ``events`` (resuming from ``<events>.offset``) and appends actions to ``actions``.

    For the runtime: ``failed`` is set (and ``on_failure`` called) if the reader dies; ``failure``
    is the exception. ``stop()`` never sets it and never raises what killed the reader.
    """

    platform = PLATFORM

    def __init__(self, events: Path, actions: Path, *, poll_seconds: float = 0.1,
                 sends_per_second: float = 1000.0,
                 on_failure: Callable[[BaseException], None] | None = None) -> None:
        """``on_failure`` is called (once, with the exception) if the reader dies; see the
        module docstring."""
        self.capabilities = Capabilities(sends_per_second=sends_per_second, max_text=4000)
        self.events_path = events
        self.actions_path = actions
        self.offset_path = events.with_name(events.name + OFFSET_SUFFIX)
        self.poll_seconds = poll_seconds
        self.on_failure = on_failure
        self.failed = asyncio.Event()
        """Set when the reader task died from an unexpected error (never on :meth:`stop`)."""
        self.failure: BaseException | None = None
        self._task: asyncio.Task[None] | None = None
        self._ids = 0
        # Reading state: ``_offset``/``_line`` are where the next unread line starts;
        # ``_read_to`` is how far the file has been read; ``_pending`` holds the bytes of an
        # unfinished line, unless it grew past the cap (``_oversize``): then the rest of that
        # line is dropped as it arrives. ``_inflight`` is every line read but not yet handled,
        # in order, as [end offset, next line number, handled?]; ``_confirmed`` is where the
        # handled prefix ends, which is what the sidecar keeps.
        self._offset = 0
        self._line = 1
        self._inflight: deque[list[Any]] = deque()
        self._confirmed = (0, 1)
        self._read_to = 0
        self._pending = b""
        self._oversize = False
        self._saved: tuple[int, int] | None = None

    @property
    def ready(self) -> bool:
        """The reader is following the events file (``/healthz``; ``bot.adapter.adapter_ready``)."""
        return self._task is not None and not self._task.done() and not self.failed.is_set()

    async def start(self, sink: EventSink) -> None:
        if self._task is not None:
            return
        self.events_path.touch(exist_ok=True)
        self._load_position()
        self._task = asyncio.create_task(self._follow(sink), name="files-adapter-follow")
        self._task.add_done_callback(self._reader_done)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        await asyncio.wait({task})  # a reader that already failed was reported when it did

    # -- reading ------------------------------------------------------------------------------

    async def _follow(self, sink: EventSink) -> None:
        try:
            while True:
                if not await self._read_some(sink):
                    self._save_position()  # events handled since the last batch
                    await asyncio.sleep(self.poll_seconds)
        finally:
            # Stopped or failed: keep what was handed over, so a restart starts after it.
            try:
                self._save_position()
            except OSError as exc:
                log.warning("files adapter: could not save the read position: %s", type(exc).__name__)

    async def _read_some(self, sink: EventSink) -> bool:
        """Read and hand over the complete lines that arrived; True when more may be waiting."""
        try:
            fh = self.events_path.open("rb")
        except FileNotFoundError:
            chunk, size = b"", 0
        else:
            with fh:
                size = os.fstat(fh.fileno()).st_size
                if size >= self._read_to:
                    fh.seek(self._read_to)
                    chunk = fh.read(READ_CHUNK)
                else:
                    chunk = b""
        if size < self._read_to:
            log.warning(
                "files adapter: the events file is shorter (%d bytes) than where reading had got"
                " to (%d): it was truncated or replaced; reading it again from its first line",
                size, self._read_to,
            )
            self._offset, self._line, self._read_to, self._pending, self._oversize = 0, 1, 0, b"", False
            self._inflight.clear()
            self._confirmed = (0, 1)
            self._save_position()
            return True
        if not chunk:
            return False
        data = self._pending + chunk
        base = self._read_to - len(self._pending)  # the file offset of data[0]
        self._read_to += len(chunk)
        start = 0
        try:
            while (end := data.find(b"\n", start)) >= 0:
                entry = [base + end + 1, self._line + 1, False]
                self._inflight.append(entry)
                if not await self._hand_over(sink, data[start:end], entry):
                    entry[2] = True  # skipped: nothing to wait for
                start = end + 1
                self._offset, self._line = base + start, self._line + 1
        finally:
            self._pending = data[start:]
            if len(self._pending) > MAX_LINE_BYTES:
                self._oversize = True  # skipped when its end arrives; nothing more is kept
                self._pending = b""
        self._save_position()
        return len(chunk) == READ_CHUNK

    async def _hand_over(self, sink: EventSink, raw: bytes, entry: list[Any]) -> bool:
        """Hand one line's event to the core; False when the line was skipped."""
        if self._oversize:
            self._oversize = False
            log.warning("events file line %d skipped: longer than %d bytes", self._line, MAX_LINE_BYTES)
            return False
        if not raw.strip():
            return False
        try:
            event = parse_event_line(raw)
        except BadLine as exc:
            log.warning("events file line %d skipped: %s", self._line, exc)
            return False

        def handled() -> None:
            entry[2] = True

        await sink(event, handled=handled)
        return True

    def _confirm(self) -> None:
        """Move the confirmed position past every line whose event the core has handled, in
        file order: a line read but not yet handled is read again after a crash (a replay the
        core drops or counts once), never skipped."""
        while self._inflight and self._inflight[0][2]:
            end, line, _ = self._inflight.popleft()
            self._confirmed = (end, line)

    # -- the read position --------------------------------------------------------------------

    def _load_position(self) -> None:
        try:
            text = self.offset_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        try:
            saved = json.loads(text)
            offset, line = saved["offset"], saved["line"]
            if type(offset) is not int or type(line) is not int or offset < 0 or line < 1:
                raise ValueError("out of range")
        except (ValueError, KeyError, TypeError):
            log.warning("files adapter: %s is unreadable; reading the events file from its first line",
                        self.offset_path.name)
            return
        self._offset, self._line, self._read_to = offset, line, offset
        self._saved = self._confirmed = (offset, line)
        log.info("files adapter: resuming the events file at line %d (byte %d)", line, offset)

    def _save_position(self) -> None:
        """Write the sidecar (atomically: a crash leaves the old one or the new one)."""
        self._confirm()
        position = self._confirmed
        if position == self._saved:
            return
        tmp = self.offset_path.with_name(self.offset_path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, json.dumps({"offset": position[0], "line": position[1]}).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.offset_path)
        self._saved = position

    def _reader_done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        self.failure = exc
        log.error(
            "files adapter: the events reader stopped after an unexpected %s (raised at %s);"
            " no more events will be read",
            type(exc).__name__, _raised_at(exc),
        )
        self.failed.set()
        if self.on_failure is not None:
            self.on_failure(exc)

    # -- sending ------------------------------------------------------------------------------

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
