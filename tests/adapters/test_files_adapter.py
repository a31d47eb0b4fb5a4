"""The files adapter reads its events file robustly: a bad line is skipped with a warning naming its
line number and reading goes on; a restart resumes after the last line handed over; a reader that
dies says so.

Real files in ``tmp_path``; each test waits for what it expects to be delivered (with a generous
guard, never an assertion on time).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.files import FileAdapter
from bot.events import Event
from tests.helpers.process import run_until

TEMPLATE = ('{{"type": "message", "event_id": "{id}", "at": "2026-03-02T09:00:00Z", "community": "c1",'
            ' "user": "sam", "channel": "general", "message_id": "{id}", "text": "words of {id}"}}')
GUARD = 20.0  # seconds: only so that a broken reader fails the test instead of hanging it


def message(event_id: str) -> bytes:
    return TEMPLATE.format(id=event_id).encode() + b"\n"


class Inbox:
    """A sink that records the events it is handed and lets a test wait for a number of them."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._changed = asyncio.Event()

    async def __call__(self, event: Event, *, handled: Callable[[], None] | None = None) -> None:
        """Records the event and confirms it at once, as a core that handled it would."""
        self.events.append(event)
        self._changed.set()
        if handled is not None:
            handled()

    @property
    def ids(self) -> list[str]:
        return [e.event_id for e in self.events]

    async def wait_for(self, count: int) -> list[str]:
        async def enough() -> None:
            while len(self.events) < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(enough(), GUARD)
        return self.ids


def append(path: Path, *lines: bytes) -> None:
    with path.open("ab") as fh:
        fh.write(b"".join(lines))


def replace_file(path: Path, content: bytes) -> None:
    path.unlink()
    path.write_bytes(content)


@pytest.fixture
def events(tmp_path: Path) -> Path:
    return tmp_path / "events.jsonl"


def adapter_on(events: Path) -> FileAdapter:
    return FileAdapter(events, events.with_name("actions.jsonl"), poll_seconds=0.01)


BAD_LINES = {
    "invalid UTF-8": b'{"type": "message", "text": "\xff\xfe broken"}\n',
    "a 100,000-deep array": b"[" * 100_000 + b"]" * 100_000 + b"\n",
    "a 5,000-digit integer": b'{"type": "message", "count": ' + b"7" * 5000 + b"}\n",
    "a line over the size cap": message("huge").replace(b"words of huge", b"x" * 100_000),
    "a long line that arrives without its end first": b'{"text": "' + b"y" * 3_000_000 + b'"}\n',
}


@pytest.mark.parametrize("bad", list(BAD_LINES.values()), ids=list(BAD_LINES))
async def test_a_bad_line_is_skipped_with_a_warning_naming_its_number_and_reading_goes_on(
    events: Path, bad: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    append(events, message("e1"), bad, message("e3"))
    adapter, inbox = adapter_on(events), Inbox()
    with caplog.at_level(logging.WARNING, logger="adapters.files"):
        await adapter.start(inbox)
        try:
            assert await inbox.wait_for(2) == ["e1", "e3"]
        finally:
            await adapter.stop()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("line 2 skipped" in w for w in warnings), warnings
    assert not any("broken" in w or "777" in w or "xxx" in w or "words" in w for w in warnings)
    assert not adapter.failed.is_set()


@pytest.mark.parametrize("bad", list(BAD_LINES.values()), ids=list(BAD_LINES))
async def test_a_restart_after_a_bad_line_does_not_fail_on_it(events: Path, bad: bytes) -> None:
    append(events, message("e1"), bad)
    first, inbox = adapter_on(events), Inbox()
    await first.start(inbox)
    await inbox.wait_for(1)
    await first.stop()

    append(events, message("e3"))
    second, later = adapter_on(events), Inbox()
    await second.start(later)
    try:
        assert await later.wait_for(1) == ["e3"]
    finally:
        await second.stop()
    assert not second.failed.is_set()


async def test_a_restart_hands_over_only_the_lines_written_since(events: Path) -> None:
    append(events, message("e1"), message("e2"), message("e3"))
    first, inbox = adapter_on(events), Inbox()
    await first.start(inbox)
    assert await inbox.wait_for(3) == ["e1", "e2", "e3"]
    await first.stop()

    append(events, message("e4"), message("e5"))
    second, later = adapter_on(events), Inbox()
    await second.start(later)
    try:
        # Lines are handed over in file order, so a re-read e1 would come before e4.
        assert await later.wait_for(2) == ["e4", "e5"]
    finally:
        await second.stop()


async def test_line_numbers_in_warnings_count_from_the_start_of_the_file_after_a_restart(
    events: Path, caplog: pytest.LogCaptureFixture
) -> None:
    append(events, message("e1"), message("e2"))
    first, inbox = adapter_on(events), Inbox()
    await first.start(inbox)
    await inbox.wait_for(2)
    await first.stop()

    append(events, b"{not json\n", message("e4"))
    second, later = adapter_on(events), Inbox()
    with caplog.at_level(logging.WARNING, logger="adapters.files"):
        await second.start(later)
        try:
            assert await later.wait_for(1) == ["e4"]
        finally:
            await second.stop()
    assert any("line 3 skipped" in r.getMessage() for r in caplog.records)


async def test_a_truncated_events_file_is_read_again_from_its_first_line_with_a_warning(
    events: Path, caplog: pytest.LogCaptureFixture
) -> None:
    append(events, message("e1"), message("e2"), message("e3"))
    first, inbox = adapter_on(events), Inbox()
    await first.start(inbox)
    await inbox.wait_for(3)
    await first.stop()

    replace_file(events, message("n1"))  # a new, shorter file in its place
    second, later = adapter_on(events), Inbox()
    with caplog.at_level(logging.WARNING, logger="adapters.files"):
        await second.start(later)
        try:
            assert await later.wait_for(1) == ["n1"]
        finally:
            await second.stop()
    assert any("truncated or replaced" in r.getMessage() for r in caplog.records)


async def test_a_reader_that_dies_logs_the_error_type_and_tells_the_runtime(
    events: Path, caplog: pytest.LogCaptureFixture
) -> None:
    told: list[BaseException] = []

    async def broken_sink(event: Event, *, handled: Callable[[], None] | None = None) -> None:
        raise RuntimeError(f"a bug that quotes {event.event_id}")

    append(events, message("e1"))
    adapter = FileAdapter(events, events.with_name("actions.jsonl"), poll_seconds=0.01,
                          on_failure=told.append)
    with caplog.at_level(logging.ERROR, logger="adapters.files"):
        await adapter.start(broken_sink)
        try:
            await asyncio.wait_for(adapter.failed.wait(), GUARD)
        finally:
            await adapter.stop()  # does not raise what killed the reader
    assert isinstance(adapter.failure, RuntimeError)
    assert told == [adapter.failure]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "RuntimeError" in errors[0]
    assert "e1" not in errors[0]


async def test_stopping_is_not_a_failure(events: Path) -> None:
    adapter = adapter_on(events)
    await adapter.start(Inbox())
    await adapter.stop()
    await adapter.stop()
    assert not adapter.failed.is_set() and adapter.failure is None


async def test_the_read_position_is_kept_as_small_json_next_to_the_events_file(events: Path) -> None:
    append(events, message("e1"))
    adapter, inbox = adapter_on(events), Inbox()
    await adapter.start(inbox)
    await inbox.wait_for(1)
    await adapter.stop()
    saved = json.loads(events.with_name("events.jsonl.offset").read_text(encoding="utf-8"))
    assert saved == {"offset": len(message("e1")), "line": 2}


def _run_until_answered(config: Path, actions: Path, count: int) -> list[str]:
    """Run ``warmline run`` until ``actions`` holds ``count`` lines, then SIGTERM it; it must exit
    0. Returns the messages it logged."""
    def answered() -> bool:
        return actions.exists() and actions.read_text(encoding="utf-8").count("\n") >= count

    err = run_until(config, answered, within=GUARD)
    return [json.loads(x)["message"] for x in err.splitlines() if x.startswith("{")]


def command(event_id: str) -> bytes:
    line = {"type": "command", "event_id": event_id, "at": "2026-03-02T09:00:00Z", "community": "c1",
            "user": "sam", "name": "privacy info", "interaction": f"i-{event_id}"}
    return json.dumps(line).encode() + b"\n"


@pytest.mark.slow
def test_warmline_run_restarted_on_the_same_files_handles_only_the_new_lines(tmp_path: Path) -> None:
    events, actions = tmp_path / "events.jsonl", tmp_path / "actions.jsonl"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path / "w.db"}"\n[logging]\nformat = "json"\nlevel = "info"\n'
        f'[files]\nevents = "{events}"\nactions = "{actions}"\n',
        encoding="utf-8",
    )
    append(events, command("e1"), command("e2"), command("e3"))
    first = _run_until_answered(config, actions, 3)
    assert any("3 events handled" in m for m in first), first

    append(events, command("e4"), command("e5"))
    second = _run_until_answered(config, actions, 5)
    assert any("2 events handled" in m for m in second), second
    answered = [json.loads(x)["interaction"] for x in actions.read_text(encoding="utf-8").splitlines()]
    assert answered == ["i-e1", "i-e2", "i-e3", "i-e4", "i-e5"]
