"""Logging: readable text or JSON lines, ids kept, anything token-shaped redacted."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from bot.logs import RedactingFilter, redact, setup_logging

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
