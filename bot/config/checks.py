"""The value checkers: each takes ``(value, ctx, dotted key)`` and returns the converted value or
raises :class:`_Bad` saying what was expected, with an example.

Why they are separate from the schema: a checker knows one kind of value (a whole number in a
range, a timezone, a schedule, a store URL …), not where it is used, so the schema can attach
the same checker to many keys and the messages stay consistent.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.config.names import ENV_DATABASE_URL
from bot.config.timezones import timezone_suggestions, valid_zone

if TYPE_CHECKING:
    from bot.texts import TextCatalogue


class _Bad(Exception):
    """A checker's complaint: ``message`` is said after ``key = value:``; ``lines`` are complete."""

    def __init__(self, message: str = "", lines: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.lines = tuple(lines)


class _Ctx:
    """Per-parse context for checkers: the text catalogue is loaded only if a check needs it."""

    def __init__(self) -> None:
        self._catalogue: TextCatalogue | None = None

    def catalogue(self) -> TextCatalogue:
        if self._catalogue is None:
            from bot.texts import TextCatalogue

            self._catalogue = TextCatalogue.load()
        return self._catalogue


_Check = Callable[[Any, "_Ctx", str], Any]


# -- showing values the way the person wrote them ------------------------------------------------


def _show(value: Any) -> str:
    """A value in TOML-ish spelling, shortened, so the error quotes what the person wrote."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str | int | float):
        text = repr(value)
    elif isinstance(value, list):
        text = "[" + ", ".join(_show(item) for item in value) + "]"
    elif isinstance(value, Mapping):
        text = "{ " + ", ".join(f"{k} = {_show(v)}" for k, v in value.items()) + " }"
    else:
        text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _closest(word: str, options: Sequence[str]) -> str | None:
    matches = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    if not matches:
        lowered = {option.lower(): option for option in options}
        matches = [lowered[word.lower()]] if word.lower() in lowered else []
    return matches[0] if matches else None


# -- checkers: (value, ctx, dotted key) -> converted value, or raise _Bad --------------------------


class _Int:
    """A whole number from ``lo`` to ``hi``: the range is stated here once, and commands that
    let moderators change the same setting read it from here."""

    def __init__(self, lo: int, hi: int, unit: str, example: int, low: str | None = None) -> None:
        self.lo, self.hi, self.unit, self.example, self.low = lo, hi, unit, example, low

    def __call__(self, value: Any, ctx: _Ctx, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            noun = f"a whole number of {self.unit}" if self.unit else "a whole number"
            raise _Bad(f"expected {noun}, e.g. {self.example}")
        if value < self.lo and self.low is not None:
            raise _Bad(self.low)
        if not self.lo <= value <= self.hi:
            suffix = f" {self.unit}" if self.unit else ""
            raise _Bad(f"must be from {self.lo} to {self.hi}{suffix}, e.g. {self.example}")
        return value


def _int(lo: int, hi: int, unit: str, example: int, low: str | None = None) -> _Int:
    return _Int(lo, hi, unit, example, low)


def _float(lo: float, hi: float, unit: str, example: float, *, lo_open: bool = False) -> _Check:
    def check(value: Any, ctx: _Ctx, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Bad(f"expected a number of {unit}, e.g. {example}")
        number = float(value)
        too_low = number <= lo if lo_open else number < lo
        if too_low or number > hi:
            above = "more than" if lo_open else "at least"
            raise _Bad(f"must be {above} {lo:g} and at most {hi:g} {unit}, e.g. {example}")
        return number

    return check


def _bool(value: Any, ctx: _Ctx, key: str) -> bool:
    if not isinstance(value, bool):
        raise _Bad("expected true or false (without quotes)")
    return value


class _Choice:
    """One of a few words: the options are stated here once (commands offer the same list)."""

    def __init__(self, options: tuple[str, ...]) -> None:
        self.options = options

    def __call__(self, value: Any, ctx: _Ctx, key: str) -> str:
        if isinstance(value, str) and value.strip().lower() in self.options:
            return value.strip().lower()
        hint = ""
        if isinstance(value, str) and (close := _closest(value.lower(), self.options)):
            hint = f" Did you mean {close!r}?"
        raise _Bad("expected one of " + ", ".join(repr(o) for o in self.options) + "." + hint)


def _choice(*options: str) -> _Choice:
    return _Choice(options)


def _text(value: Any, ctx: _Ctx, key: str) -> str:
    if not isinstance(value, str):
        raise _Bad("expected a text in quotes")
    return value


def _roles(value: Any, ctx: _Ctx, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(
        isinstance(item, str | int) and not isinstance(item, bool) for item in value
    ):
        raise _Bad(
            'expected a list of role names or ids, e.g. ["Moderators", "123456789012345678"]'
        )
    return tuple(str(item).strip() for item in value if str(item).strip())


def _user_ids(value: Any, ctx: _Ctx, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(
        isinstance(item, str | int) and not isinstance(item, bool) for item in value
    ):
        raise _Bad('expected a list of user ids, e.g. ["123456789012345678"] '
                   "(Discord: Developer Mode, then right-click the person → Copy User ID)")
    return tuple(str(item).strip() for item in value if str(item).strip())


REGION_MAX = 20
RESOURCE_MAX = 500


def _resources(value: Any, ctx: _Ctx, key: str) -> Mapping[str, str]:
    """Crisis resources by region: ``[safety.resources]`` then ``US = "Call or text 988 …"``."""
    if not isinstance(value, Mapping):
        raise _Bad('expected a table: [safety.resources] then lines like US = "Call or text 988"')
    lines: list[str] = []
    for region, text in value.items():
        if not (0 < len(region) <= REGION_MAX and region.replace("_", "").replace("-", "").isalnum()
                and region.isascii()):
            lines.append(f"{key}.{region}: a region is a short name of letters, e.g. US, GB or "
                         "international")
        elif not isinstance(text, str) or not text.strip():
            lines.append(f"{key}.{region} = {_show(text)}: expected the resources as a text in "
                         'quotes, e.g. "Call or text 988, any time."')
        elif len(text) > RESOURCE_MAX:
            lines.append(f"{key}.{region}: longer than {RESOURCE_MAX} characters; one or two "
                         "resources help more than a wall of numbers")
    if lines:
        raise _Bad(lines=lines)
    return MappingProxyType({str(region): str(text).strip() for region, text in value.items()})


def _timezone(value: Any, ctx: _Ctx, key: str) -> str:
    if not isinstance(value, str):
        raise _Bad("expected an IANA timezone name in quotes, e.g. 'Europe/London'")
    if valid_zone(value):
        return value
    suggestions = timezone_suggestions(value)
    if suggestions:
        raise _Bad(f"not an IANA timezone. Did you mean {suggestions[0]!r}?")
    raise _Bad("not an IANA timezone; write it as Region/City, e.g. 'Europe/London' or 'UTC'")


def _recurrence(value: Any, ctx: _Ctx, key: str) -> str:
    if not isinstance(value, str):
        raise _Bad("expected a schedule in quotes, e.g. 'mon-fri 09:00'")
    # Imported here so that importing config never depends on the recurrence module (and so a
    # future import of config from recurrence cannot become a cycle).
    from bot.recurrence import RecurrenceError, parse

    try:
        parse(value)
    except RecurrenceError as exc:
        raise _Bad(str(exc)) from None
    return value


def _schedules(value: Any, ctx: _Ctx, key: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _Bad("expected a list of schedules, e.g. ['mon-fri 09:00']")
    lines: list[str] = []
    for index, item in enumerate(value):
        try:
            _recurrence(item, ctx, f"{key}[{index}]")
        except _Bad as bad:
            lines.append(f"{key}[{index}] = {_show(item)}: {bad.message}")
    if lines:
        raise _Bad(lines=lines)
    return tuple(value)


def _url(*schemes: str) -> _Check:
    example = f"{schemes[0]}://127.0.0.1:8080"

    def check(value: Any, ctx: _Ctx, key: str) -> str:
        if not isinstance(value, str):
            raise _Bad(f"expected a URL in quotes, e.g. '{example}', or '' for the default")
        if value == "":
            return value
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.netloc:
            allowed = " or ".join(f"{s}://" for s in schemes)
            raise _Bad(f"expected a URL starting with {allowed}, or '' for the default")
        return value

    return check


_HOSTNAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")


def _host(value: Any, ctx: _Ctx, key: str) -> str:
    """An address to listen on: an IPv4 or IPv6 address, or a host name."""
    if not isinstance(value, str) or not value:
        raise _Bad("expected an address to listen on in quotes, e.g. '127.0.0.1' (this machine "
                   "only) or '0.0.0.0' (every interface, e.g. in a container)")
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not _HOSTNAME.fullmatch(value):
            raise _Bad("expected an IP address or a host name, e.g. '127.0.0.1'") from None
    return value


def _store_url_problem(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme == "sqlite":
        if not value.startswith("sqlite:///") or value == "sqlite:///":
            return "expected sqlite:///path/to/file.db (three slashes, then the file path)"
        return None
    if parts.scheme in ("postgresql", "postgres"):
        return None if parts.netloc else "expected postgresql://user@host:5432/dbname"
    return "expected sqlite:///path/to/file.db or postgresql://user@host:5432/dbname"


def _store_url(value: Any, ctx: _Ctx, key: str) -> str:
    if not isinstance(value, str):
        raise _Bad("expected a URL in quotes, e.g. 'sqlite:///warmline.db'")
    if problem := _store_url_problem(value):
        raise _Bad(problem)
    if urlsplit(value).password:
        # Do not echo the value: it contains the password.
        raise _Bad(
            lines=[f"{key}: passwords never go in the config file; put the whole URL in the "
                   f"environment variable {ENV_DATABASE_URL} instead"]
        )
    return value


def _snowflake(value: Any, ctx: _Ctx, key: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str) and (value == "" or value.isdigit()):
        return value
    raise _Bad("expected a server id (the long number from 'Copy Server ID'), e.g. "
               "'123456789012345678', or '' for none")


def _shard_ids(value: Any, ctx: _Ctx, key: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in value
    ):
        raise _Bad("expected a list of shard numbers from 0, e.g. [0, 1], or [] for all")
    if len(set(value)) != len(value):
        raise _Bad("lists a shard twice; give each shard number once")
    return tuple(value)


def _locale(value: Any, ctx: _Ctx, key: str) -> str:
    available = ctx.catalogue().locales()
    if isinstance(value, str):
        base = value.replace("_", "-").split("-", 1)[0]
        if value in available or base in available:
            return value
    raise _Bad("no texts for this language; available: " + ", ".join(repr(a) for a in available))


def _locale_or_unset(value: Any, ctx: _Ctx, key: str) -> str:
    """A locale, or "" for "not set here": the next setting in the chain decides."""
    if value == "":
        return ""
    try:
        return _locale(value, ctx, key)
    except _Bad as exc:
        raise _Bad(exc.message + ", or \"\" to use texts.locale") from None


def _overrides(value: Any, ctx: _Ctx, key: str) -> Mapping[str, str]:
    from bot.texts import TextError, flatten_texts

    if not isinstance(value, Mapping):
        raise _Bad(
            'expected a table: [texts.overrides] then lines like "common.error_generic" = "…"'
        )
    try:
        flat = flatten_texts(value, key)
    except TextError as exc:
        raise _Bad(lines=[str(exc)]) from None
    catalogue = ctx.catalogue()
    lines = [
        f"{key}.{problem}"
        for name, text in flat.items()
        for problem in catalogue.check_override(name, text)
    ]
    if lines:
        raise _Bad(lines=lines)
    return MappingProxyType(flat)

