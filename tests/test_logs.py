"""Logging: readable text or JSON lines, ids kept, anything token-shaped redacted."""

from __future__ import annotations

import io
import json
import logging
import random
import re
import string
from collections.abc import Iterator

import pytest

from bot.logs import MAX_VALUE_CHARS, RedactingFilter, redact, setup_logging

DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0.GaBcDe.abcdefghijklmnopqrstuvwxyz0123"
SLACK_BOT = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_APP = "xapp-1-A111-222-abcdef0123456789"


@pytest.fixture
def root() -> Iterator[logging.Logger]:
    """The root logger, restored afterwards so other tests see it unchanged."""
    logger = logging.getLogger()
    handlers, level = list(logger.handlers), logger.level
    yield logger
    for handler in logger.handlers:
        if handler not in handlers:
            logger.removeHandler(handler)
            handler.close()
    logger.setLevel(level)


def test_text_lines_carry_time_level_logger_message_and_ids(root: logging.Logger) -> None:
    out = io.StringIO()
    setup_logging("info", "text", stream=out)
    logging.getLogger("bot.runtime.outbox").info("sent %d deliveries", 3, extra={"community_id": 4})
    (line,) = out.getvalue().splitlines()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "
        r"INFO bot\.runtime\.outbox: sent 3 deliveries community_id=4",
        line,
    )


def test_json_lines_are_one_object_each_with_the_extra_ids(root: logging.Logger) -> None:
    out = io.StringIO()
    setup_logging("debug", "json", stream=out)
    log = logging.getLogger("bot.runtime.scheduler")
    log.debug("claimed %d jobs", 2, extra={"job_id": 7, "platform": "slack"})
    log.warning("late")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["level"] == "debug" and first["logger"] == "bot.runtime.scheduler"
    assert first["message"] == "claimed 2 jobs"
    assert first["job_id"] == 7 and first["platform"] == "slack"
    assert first["time"].endswith("Z")
    assert set(second) == {"time", "level", "logger", "message"}


def test_exceptions_stay_on_one_json_line(root: logging.Logger) -> None:
    out = io.StringIO()
    setup_logging("info", "json", stream=out)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("bot.runtime.app").exception("adapter %s failed", "discord")
    (line,) = out.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["message"] == "adapter discord failed"
    assert "RuntimeError: boom" in entry["exception"]


def test_the_level_filters_records(root: logging.Logger) -> None:
    out = io.StringIO()
    setup_logging("warning", "text", stream=out)
    logging.getLogger("bot.x").info("hidden")
    logging.getLogger("bot.x").error("shown")
    assert "hidden" not in out.getvalue() and "shown" in out.getvalue()


def test_calling_setup_again_replaces_its_own_handler_only(root: logging.Logger) -> None:
    other = logging.StreamHandler(io.StringIO())
    root.addHandler(other)
    first, second = io.StringIO(), io.StringIO()
    setup_logging("info", "text", stream=first)
    setup_logging("info", "json", stream=second)
    logging.getLogger("bot.x").info("once")
    assert first.getvalue() == ""
    assert json.loads(second.getvalue())["message"] == "once"
    assert other in root.handlers


@pytest.mark.parametrize(("level", "fmt"), [("loud", "text"), ("info", "xml")])
def test_unknown_level_or_format_is_refused(level: str, fmt: str) -> None:
    with pytest.raises(ValueError, match="unknown log"):
        setup_logging(level, fmt, stream=io.StringIO())


# -- redaction ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "kept"),
    [
        (SLACK_BOT, "xoxb-[redacted]"),
        (SLACK_APP, "xapp-[redacted]"),
        ("xoxp-12-34-abc", "xoxp-[redacted]"),
        (DISCORD_TOKEN, "[redacted-discord-token]"),
        ("postgresql://warm:hunter2@db:5432/warmline", "postgresql://warm:[redacted]@db:5432/warmline"),
    ],
)
def test_token_shapes_are_redacted(secret: str, kept: str) -> None:
    assert redact(f"before {secret} after") == f"before {kept} after"


def test_ordinary_text_and_ids_are_left_alone() -> None:
    for text in ("job 123456789012345678 claimed", "http://127.0.0.1:8080/api", "a.b.c", "xoxo"):
        assert redact(text) == text


def test_redaction_is_idempotent() -> None:
    once = redact(f"{SLACK_BOT} {DISCORD_TOKEN}")
    assert redact(once) == once


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_tokens_in_messages_args_and_extras_never_reach_the_output(
    root: logging.Logger, fmt: str
) -> None:
    out = io.StringIO()
    setup_logging("info", fmt, stream=out)
    log = logging.getLogger("adapters.slack")
    log.info(f"connect with {SLACK_APP}")  # the mistake the filter is for
    log.info("token %s and %r", SLACK_BOT, DISCORD_TOKEN)
    log.info("mapping %(tok)s", {"tok": SLACK_BOT})
    log.info("extra", extra={"auth": f"Bearer {SLACK_BOT}"})
    try:
        raise ConnectionError(f"401 for {DISCORD_TOKEN}")
    except ConnectionError:
        log.exception("gateway failed")
    text = out.getvalue()
    for secret in (SLACK_APP, SLACK_BOT, DISCORD_TOKEN):
        assert secret not in text
    assert text.count("[redacted") >= 6


def test_the_filter_redacts_objects_whose_str_holds_a_token() -> None:
    class Url:
        def __str__(self) -> str:
            return f"wss://gateway?token={SLACK_APP}"

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "to %s (%d)", (Url(), 5), None)
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == "to wss://gateway?token=xapp-[redacted] (5)"


# -- long values: cut to MAX_VALUE_CHARS, redaction linear ------------------------------------------

MEGABYTE = 1_000_000
TRUNCATION_NOTE = re.compile(r"…\[truncated (\d+) chars\]\Z")


def split_note(result: str) -> tuple[str, int]:
    """The kept text and the number of characters the note says were dropped."""
    note = TRUNCATION_NOTE.search(result)
    assert note is not None, result[-80:]
    return result[: note.start()], int(note.group(1))


def token_characters_and_dots(size: int, seed: int) -> str:
    """``size`` characters of [\\w-] and dots: the stuff a Discord token is made of, no whitespace."""
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "_-"
    parts: list[str] = []
    total = 0
    while total < size:
        run = "".join(rng.choices(alphabet, k=rng.choice((6, 24, 27, 40, 300, 5000))))
        parts.append(run + ".")
        total += len(run) + 1
    return "".join(parts)[:size]


def test_a_megabyte_of_token_characters_and_dots_is_cut_and_what_is_kept_is_redacted() -> None:
    prefix = f"auth {DISCORD_TOKEN} and {SLACK_BOT} "
    value = prefix + token_characters_and_dots(MEGABYTE, seed=1)
    assert redact(value) == (
        f"auth [redacted-discord-token] and xoxb-[redacted] …[truncated {MEGABYTE} chars]"
    )


def test_a_megabyte_of_random_text_keeps_its_redacted_start_cut_at_whitespace() -> None:
    rng = random.Random(2)
    alphabet = string.printable + "éü€—日本"
    secrets = f"{SLACK_BOT} x {DISCORD_TOKEN} y postgresql://warm:hunter2@db/warmline "
    value = secrets + "".join(rng.choices(alphabet, k=MEGABYTE))
    result = redact(value)
    kept, dropped = split_note(result)
    assert kept.startswith(
        "xoxb-[redacted] x [redacted-discord-token] y postgresql://warm:[redacted]@db/warmline "
    )
    assert len(result) <= MAX_VALUE_CHARS
    assert kept == redact(value[: len(value) - dropped], limit=None)
    assert value[len(value) - dropped - 1].isspace()
    assert redact(result) == result


@pytest.mark.parametrize(
    ("secret", "hidden", "shown"),
    [
        (DISCORD_TOKEN, DISCORD_TOKEN.rsplit(".", 1)[1], "[redacted-discord-token]"),
        (
            "postgresql://warm:hunter2hunter2@db/warmline",
            "hunter2hunter2",
            "postgresql://warm:[redacted]@db/warmline",
        ),
    ],
)
def test_a_secret_across_the_cut_leaves_no_part_of_itself(secret: str, hidden: str, shown: str) -> None:
    for start in range(MAX_VALUE_CHARS - len(secret) - 40, MAX_VALUE_CHARS + 5):
        value = " " * start + secret + " tail" * 100
        result = redact(value)
        assert not any(hidden[i : i + 6] in result for i in range(len(hidden) - 5)), (start, result[-99:])
    # Within the limit it is redacted as usual.
    assert redact(f"a {secret} b") == f"a {shown} b"


def test_a_token_at_the_end_of_a_long_run_of_word_characters_is_still_redacted() -> None:
    assert redact("a" * 10_000 + DISCORD_TOKEN + " after") == "[redacted-discord-token] after"


def test_text_without_whitespace_is_dropped_whole_when_too_long() -> None:
    assert redact("a" * 2 * MAX_VALUE_CHARS) == f"…[truncated {2 * MAX_VALUE_CHARS} chars]"
    assert redact("a" * MAX_VALUE_CHARS) == "a" * MAX_VALUE_CHARS


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_long_message_with_args_is_rendered_then_cut(root: logging.Logger, fmt: str) -> None:
    out = io.StringIO()
    setup_logging("info", fmt, stream=out)
    # The cut would otherwise land in the middle of the format string and break "%s" or "%d".
    logging.getLogger("bot.x").info("%% " * MAX_VALUE_CHARS + "%s %d", SLACK_BOT, 5)
    (line,) = out.getvalue().splitlines()
    message = json.loads(line)["message"] if fmt == "json" else line
    kept, dropped = split_note(message)
    assert kept.endswith("% ") and dropped > MAX_VALUE_CHARS
    assert SLACK_BOT not in line


def test_long_args_and_extras_are_cut_and_json_lines_still_parse(root: logging.Logger) -> None:
    out = io.StringIO()
    setup_logging("info", "json", stream=out)
    body = f"{DISCORD_TOKEN} " + token_characters_and_dots(MEGABYTE, seed=3)
    logging.getLogger("bot.x").info("body %s", body, extra={"raw": body})
    (line,) = out.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["message"] == f"body [redacted-discord-token] …[truncated {MEGABYTE} chars]"
    assert entry["raw"] == f"[redacted-discord-token] …[truncated {MEGABYTE} chars]"
