"""The text catalogue: every sentence Warmline says, kept out of the code.

Why a catalogue: the words matter as much as the logic in a peer-support bot, so they live in one
place where they can be reviewed, translated and (by moderators) adjusted without touching code.

Files: ``bot/texts/<locale>.toml``; nested tables flatten to dotted keys, so ``[checkin]
prompt = "…"`` is ``checkin.prompt``. English (``en.toml``) is the reference: it defines which keys
exist and which ``{placeholders}`` each one takes. A locale may translate a subset (missing keys fall
back to English), but only a *complete* one (:meth:`TextCatalogue.complete_locales`) is shipped and
offered to moderators by ``warmline setup language``; ``tests/texts/test_locales.py`` checks it.

Lookup order in :meth:`TextCatalogue.render`, first hit wins:

1. per-call overrides (a community's moderator overrides),
2. deployment overrides (``[texts.overrides]`` in the config file),
3. the requested locale (``fr-CA`` also tries ``fr``),
4. English.

Placeholders are plain names only (``{zone}``); attribute or index access (``{x.y}``, ``{x[0]}``)
is refused, because override texts come from people and must not reach into Python objects.
"""

from __future__ import annotations

import difflib
import functools
import logging
import string
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

__all__ = [
    "ENGLISH", "MissingPlaceholder", "TextCatalogue", "TextError", "placeholders_of",
    "shipped_locales",
]

log = logging.getLogger(__name__)

ENGLISH = "en"
_FORMATTER = string.Formatter()


class TextError(ValueError):
    """A catalogue file or an override text is malformed (one line per problem)."""


class MissingPlaceholder(KeyError):
    """``render`` was not given a value for a ``{placeholder}`` the text needs."""

    def __init__(self, key: str, placeholder: str) -> None:
        super().__init__(key, placeholder)
        self.key = key
        self.placeholder = placeholder

    def __str__(self) -> str:
        return f"text {self.key!r} needs a value for {{{self.placeholder}}}"


@functools.lru_cache(maxsize=4096)
def placeholders_of(text: str) -> frozenset[str]:
    """The ``{names}`` a text uses. Raises :class:`TextError` if the text is not a valid template
    (unbalanced braces, positional ``{}``, attribute or index access). Kept per text: every
    message rendered asks it again (a fan-out, thousands of times a minute)."""
    names: set[str] = set()
    try:
        parsed = _parsed(text)
    except ValueError as exc:
        raise TextError(
            f"not a valid text template ({exc}); write a literal brace as {{{{ or }}}}"
        ) from exc
    for _literal, field_name, spec, _conversion in parsed:
        if field_name is None:
            continue
        if not field_name.isidentifier():
            shown = "{" + field_name + "}"
            raise TextError(f"placeholder {shown} is not allowed; use plain names such as {{zone}}")
        if spec and "{" in spec:
            raise TextError(f"placeholder {{{field_name}}} has a nested placeholder in its format")
        names.add(field_name)
    return frozenset(names)


def _flatten(table: Mapping[str, Any], prefix: str, into: dict[str, str], source: str) -> None:
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            _flatten(value, f"{key}.", into, source)
        elif isinstance(value, str):
            into[key] = value
        else:
            raise TextError(f"{source}: {key} must be a text (a quoted string), not {value!r}")


def flatten_texts(table: Mapping[str, Any], source: str = "texts") -> dict[str, str]:
    """Flatten nested tables to dotted keys: ``{"a": {"b": "x"}}`` → ``{"a.b": "x"}``."""
    flat: dict[str, str] = {}
    _flatten(table, "", flat, source)
    return flat


class TextCatalogue:
    """All locales' texts plus deployment overrides. Immutable once loaded; cheap to share."""

    __slots__ = ("_default_locale", "_locales", "_overrides", "_placeholders")

    def __init__(
        self,
        locales: Mapping[str, Mapping[str, str]],
        overrides: Mapping[str, str] | None = None,
        *,
        default_locale: str = ENGLISH,
    ) -> None:
        if ENGLISH not in locales:
            raise TextError("the catalogue needs an English (en) locale: it defines the keys")
        self._locales: Mapping[str, Mapping[str, str]] = MappingProxyType(
            {name: MappingProxyType(dict(texts)) for name, texts in locales.items()}
        )
        problems: list[str] = []
        english: dict[str, frozenset[str]] = {}
        for key, text in self._locales[ENGLISH].items():
            try:
                english[key] = frozenset(placeholders_of(text))
            except TextError as exc:
                problems.append(f"en: {key}: {exc}")
        self._placeholders: Mapping[str, frozenset[str]] = MappingProxyType(english)
        self._default_locale = default_locale
        overrides = dict(overrides or {})
        for key, text in overrides.items():
            problems.extend(self.check_override(key, text))
        if problems:
            raise TextError("\n".join(problems))
        self._overrides: Mapping[str, str] = MappingProxyType(overrides)

    @classmethod
    def load(
        cls, overrides: Mapping[str, str] | None = None, *, default_locale: str = ENGLISH
    ) -> TextCatalogue:
        """Read every ``bot/texts/<locale>.toml`` and ``bot/texts/<locale>/*.toml`` shipped with
        the package (one file per feature keeps the catalogue easy to review).

        ``overrides`` are the deployment's ``[texts.overrides]``; each must name an existing key
        and keep the original's placeholders, else :class:`TextError`.
        """
        locales: dict[str, dict[str, str]] = {}
        root = resources.files("bot.texts")
        files = [(e.name.removesuffix(".toml"), e, e.name) for e in root.iterdir()
                 if e.name.endswith(".toml") and e.is_file()]
        # Each feature may keep its own texts in bot/texts/<locale>/<feature>.toml.
        for folder in root.iterdir():
            if folder.is_dir() and not folder.name.startswith(("_", ".")):
                files += [(folder.name, e, f"{folder.name}/{e.name}") for e in folder.iterdir()
                          if e.name.endswith(".toml") and e.is_file()]
        for locale, entry, name in sorted(files, key=lambda f: f[2]):
            try:
                data = tomllib.loads(entry.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise TextError(f"bot/texts/{name}: not valid TOML: {exc}") from exc
            texts = locales.setdefault(locale, {})
            flat = flatten_texts(data, f"bot/texts/{name}")
            if clash := sorted(set(flat) & set(texts)):
                raise TextError(f"bot/texts/{name}: defines {', '.join(clash)} a second time")
            texts.update(flat)
        return cls(locales, overrides, default_locale=default_locale)

    # -- inspection -------------------------------------------------------------------------

    def keys(self) -> frozenset[str]:
        """Every key that exists (the English catalogue's keys)."""
        return frozenset(self._locales[ENGLISH])

    def locales(self) -> list[str]:
        """Locale names with a catalogue file, sorted."""
        return sorted(self._locales)

    def placeholders(self, key: str) -> set[str]:
        """The placeholders ``key`` takes (from English). Unknown key → ``KeyError``."""
        try:
            return set(self._placeholders[key])
        except KeyError:
            raise KeyError(f"unknown text key {key!r}") from None

    def translated_keys(self, locale: str) -> frozenset[str]:
        """Keys that ``locale`` translates itself (without falling back to English)."""
        return frozenset(self._locales.get(locale, {}))

    def complete_locales(self) -> list[str]:
        """Locales that have every English key with the same placeholders, sorted. Only these
        are offered to moderators: a community that chose a language should not get half of its
        texts in English."""
        return [name for name in self.locales() if not self.incomplete(name)]

    def incomplete(self, locale: str) -> list[str]:
        """Why ``locale`` is not complete, one line per key (empty list: complete)."""
        own = self._locales.get(locale, {})
        problems: list[str] = []
        for key, expected in sorted(self._placeholders.items()):
            text = own.get(key)
            if text is None:
                problems.append(f"{locale}: {key} is missing")
                continue
            try:
                used = placeholders_of(text)
            except TextError as exc:
                problems.append(f"{locale}: {key}: {exc}")
                continue
            if used != expected:
                problems.append(f"{locale}: {key} uses {sorted(used)}, English uses {sorted(expected)}")
        return problems

    def raw(self, key: str, locale: str) -> str | None:
        """The unrendered text ``locale`` itself has for ``key``, or None."""
        return self._locales.get(locale, {}).get(key)

    def check_override(self, key: str, text: object) -> list[str]:
        """Problems with overriding ``key`` by ``text`` (empty list: fine). Moderator commands
        use this before storing an override, config validation before starting."""
        if key not in self._placeholders:
            close = difflib.get_close_matches(key, list(self._placeholders), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else " See bot/texts/en.toml for keys."
            return [f"{key}: no such text.{hint}"]
        if not isinstance(text, str):
            return [f"{key}: an override must be a text (a quoted string), not {text!r}"]
        try:
            used = placeholders_of(text)
        except TextError as exc:
            return [f"{key}: {exc}"]
        expected = self._placeholders[key]
        if used == expected:
            return []
        parts: list[str] = []
        if missing := sorted(expected - used):
            parts.append("it must include " + ", ".join("{" + name + "}" for name in missing))
        if unknown := sorted(used - expected):
            parts.append("it cannot use " + ", ".join("{" + name + "}" for name in unknown))
        wanted = ", ".join("{" + n + "}" for n in sorted(expected)) or "no placeholders"
        return [f"{key}: {'; '.join(parts)} (the original uses {wanted})"]

    # -- rendering --------------------------------------------------------------------------

    def _candidates(
        self, key: str, locale: str | None, overrides: Mapping[str, Any] | None
    ) -> Iterable[tuple[str, str]]:
        if overrides:
            text = _lookup_override(overrides, key)
            if text is not None:
                yield "community override", text
        if key in self._overrides:
            yield "deployment override", self._overrides[key]
        for name in _locale_chain(locale or self._default_locale):
            text = self._locales.get(name, {}).get(key)
            if text is not None:
                yield name, text

    def render(
        self,
        key: str,
        *,
        locale: str | None = None,
        overrides: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> str:
        """The text for ``key`` with ``params`` filled in.

        Unknown key → ``KeyError``; a placeholder without a value → :class:`MissingPlaceholder`.
        Extra params are ignored, so callers can pass the same context to several texts. A
        per-call override that does not fit the key (bad template, different placeholders) is
        skipped with a warning: a moderator's typo must not silence the bot.
        """
        if key not in self._placeholders:
            raise KeyError(f"unknown text key {key!r}")
        expected = self._placeholders[key]
        for source, text in self._candidates(key, locale, overrides):
            try:
                used = placeholders_of(text)
            except TextError:
                log.warning("skipping malformed %s for text key %s", source, key)
                continue
            if source == "community override" and used != expected:
                log.warning("skipping %s for text key %s: placeholders differ", source, key)
                continue
            return _fill(key, text, params)
        raise KeyError(f"unknown text key {key!r}")  # pragma: no cover - English always has it


@functools.cache
def shipped_locales() -> tuple[str, ...]:
    """The complete locales shipped with the package: the choices a command can offer when it is
    declared (a runtime catalogue may hold more, e.g. a test's; handlers check against that)."""
    return tuple(TextCatalogue.load().complete_locales())


def _lookup_override(overrides: Mapping[str, Any], key: str) -> str | None:
    """Overrides may be flat (``{"checkin.prompt": …}``) or nested like the TOML tables."""
    value = overrides.get(key)
    if isinstance(value, str):
        return value
    node: Any = overrides
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, str) else None


def _locale_chain(locale: str) -> list[str]:
    chain = [locale]
    base = locale.replace("_", "-").split("-", 1)[0]
    if base != locale:
        chain.append(base)
    if ENGLISH not in chain:
        chain.append(ENGLISH)
    return chain


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> tuple[tuple[str, str | None, str | None, str | None], ...]:
    """A template, parsed once (raises ``ValueError`` for a malformed one, every time)."""
    return tuple(_FORMATTER.parse(text))


def _fill(key: str, text: str, params: Mapping[str, Any]) -> str:
    out: list[str] = []
    for literal, field_name, spec, conversion in _parsed(text):
        out.append(literal)
        if field_name is None:
            continue
        if field_name not in params:
            raise MissingPlaceholder(key, field_name)
        value = params[field_name]
        if conversion == "r":
            value = repr(value)
        elif conversion in ("s", "a"):
            value = str(value) if conversion == "s" else ascii(value)
        out.append(format(value, spec or ""))
    return "".join(out)
