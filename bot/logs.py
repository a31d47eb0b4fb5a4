"""Logging setup: one line per record, for people (``text``) or for log pipelines (``json``).

House rule: logs carry ids and counts, never message text, notes or tokens. Code follows that rule
itself; :class:`RedactingFilter` is only the safety net for the day a token slips into an exception
message or a URL. It rewrites anything shaped like a Slack token, a Discord bot token or a
password in a URL before any handler formats the record.

Redaction runs on the event loop, inside every logging call, so its cost must not depend on what
someone typed: every pattern runs in time linear in the text, and a value longer than
:data:`MAX_VALUE_CHARS` keeps only its start (``…[truncated N chars]`` says how much went).

Ids passed with ``extra={"community_id": 4, "job_id": 7}`` are kept: appended as ``key=value`` in
text lines, as fields in JSON lines.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = [
    "LEVELS",
    "MAX_VALUE_CHARS",
    "JsonFormatter",
    "RedactingFilter",
    "TextFormatter",
    "redact",
    "setup_logging",
]

LEVELS: Mapping[str, int] = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}

#: The longest value the filter passes on whole. Logs carry ids and counts, so a longer value is
#: content that slipped in: keeping only its start bounds both the time redaction takes on the
#: event loop and the size of the line, and a secret in the dropped rest cannot leak at all.
MAX_VALUE_CHARS = 16 * 1024

_TOKEN_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Slack bot/user/app/refresh tokens: xoxb-…, xoxp-…, xoxe.xoxp-…, xapp-…
    (re.compile(r"\b(xox[abeoprs]|xapp)(?:\.xox[a-z])?-[A-Za-z0-9-]+"), r"\1-[redacted]"),
    # Discord bot tokens: base64 user id . timestamp . HMAC. The lookbehind makes a match start
    # only where a run of [\w-] starts. Without it a long run with no token in it was rescanned
    # from every one of its characters (quadratic: 60,000 characters took seconds). It finds
    # exactly what the unanchored pattern found: that pattern's leftmost match always began at
    # the start of a run, because an open-ended first part can always reach back to it.
    (re.compile(r"(?<![\w-])[\w-]{24,}\.[\w-]{6}\.[\w-]{27,}"), "[redacted-discord-token]"),
    # Passwords in URLs: scheme://user:password@host
    (re.compile(r"(://[^\s:/@]*:)[^\s@/]+@"), r"\1[redacted]@"),
)

# Anchored at the start (used with .match), so finding the last whitespace is one linear pass
# even when there is none.
_UP_TO_LAST_SPACE = re.compile(r"(?s:.*)\s")

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_HANDLER_MARK = "_warmline_handler"


def redact(text: str, limit: int | None = MAX_VALUE_CHARS) -> str:
    """``text`` with anything that looks like a secret replaced, and cut to at most ``limit``
    characters first (``None``: whole; the formatters use it on lines built from values the filter
    already cut, where a JSON line cut short would no longer parse)."""
    if limit is not None:
        text = _truncate(text, limit)
    for pattern, replacement in _TOKEN_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _truncate(text: str, limit: int) -> str:
    """The start of ``text`` and a note of how much was dropped, at most ``limit`` characters
    (before redaction; a replacement can be a few characters longer than what it replaces).

    The cut falls just after a whitespace character. No secret shape spans whitespace, so every
    secret in the kept part is whole (and is redacted as usual), and none of one that straddled
    the cut survives: a cut in the middle would leave, say, a URL password without its ``@`` or
    a Discord token without enough of its HMAC for the patterns to recognise the rest. Text with
    no whitespace in reach is dropped entirely."""
    if len(text) <= limit:
        return text
    room = max(limit - len(_truncation_note(len(text))), 0)
    found = _UP_TO_LAST_SPACE.match(text, 0, room)
    cut = found.end() if found else 0
    return text[:cut] + _truncation_note(len(text) - cut)


def _truncation_note(dropped: int) -> str:
    return f"…[truncated {dropped} chars]"


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    # An arbitrary object could render a secret through its str(); check the rendering.
    shown = str(value)
    cleaned = redact(shown)
    return value if cleaned == shown else cleaned


class RedactingFilter(logging.Filter):
    """Redacts token-shaped strings from the message, its args and ``extra`` fields. Never drops
    a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.msg, str) and len(record.msg) > MAX_VALUE_CHARS:
            # Cutting a format string could split or drop a %-placeholder and the record would
            # no longer render: render it first, then cut and redact the result. One that does
            # not render is left for logging to report when a handler formats it.
            with contextlib.suppress(TypeError, ValueError, KeyError):
                record.msg, record.args = record.getMessage(), ()
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        else:
            record.msg = _redact_value(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {key: _redact_value(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact_value(arg) for arg in record.args)
        for name in _extra_names(record):
            setattr(record, name, _redact_value(getattr(record, name)))
        return True


def _extra_names(record: logging.LogRecord) -> list[str]:
    return [name for name in vars(record) if name not in _STANDARD_ATTRS]


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    """``2024-05-01T09:00:00.123Z INFO bot.runtime.outbox: sent 3 deliveries community_id=4``."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        extras = " ".join(f"{name}={getattr(record, name)}" for name in _extra_names(record))
        if extras:
            line = f"{line} {extras}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        if record.stack_info:
            line = f"{line}\n{self.formatStack(record.stack_info)}"
        # Exceptions are formatted here, after the filter ran: redact the finished line too.
        return redact(line, limit=None)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, any ``extra`` fields, and
    ``exception`` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _extra_names(record):
            value = getattr(record, name)
            entry[name] = value if _is_json_scalar(value) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return redact(json.dumps(entry, ensure_ascii=False, default=str), limit=None)


def _is_json_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


THIRD_PARTY = ("aiosqlite", "discord", "slack_bolt", "slack_sdk", "aiohttp", "asyncio",
               "websockets", "asyncpg", "urllib3")
"""Libraries whose DEBUG output carries content: aiosqlite logs every SQL parameter (notes,
goals, moods, names), discord.py whole gateway payloads (message text)."""


def setup_logging(level: str, fmt: str, stream: TextIO | None = None, *,
                  third_party_debug: bool = False) -> None:
    """Send all logging to ``stream`` (default stderr) at ``level`` (debug|info|warning|error) in
    ``fmt`` (text|json). Calling it again replaces the handler it installed before, and leaves
    other handlers alone.

    The promise "logs carry ids and counts, never what members wrote" holds at every level: the
    libraries in :data:`THIRD_PARTY` stay at INFO or above even when ``level`` is debug, unless
    ``third_party_debug`` says otherwise (then a loud warning says what that means)."""
    try:
        numeric = LEVELS[level.lower()]
    except KeyError:
        raise ValueError(f"unknown log level {level!r}; use one of {', '.join(LEVELS)}") from None
    formatter: logging.Formatter
    if fmt == "text":
        formatter = TextFormatter()
    elif fmt == "json":
        formatter = JsonFormatter()
    else:
        raise ValueError(f"unknown log format {fmt!r}; use text or json")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(RedactingFilter())
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(numeric)
    quiet = numeric if third_party_debug else max(numeric, logging.INFO)
    for name in THIRD_PARTY:
        logging.getLogger(name).setLevel(quiet)
    if third_party_debug and numeric <= logging.DEBUG:
        logging.getLogger(__name__).warning(
            "[logging] third_party_debug is on: libraries now log at DEBUG, which writes SQL "
            "parameters and whole platform payloads, including what members wrote, to this log. "
            "Switch it off again as soon as you are done.")
