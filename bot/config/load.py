"""Reading a config file: TOML → upgraded table → validated :class:`Settings`, secrets from env.

Why the problems are collected instead of raised one by one: the person reading them is usually
a volunteer setting the bot up alone, so *every* problem is reported at once (one line each,
naming the dotted key, the value found and the fix) and the file can be fixed in one pass.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.config.checks import _Bad, _closest, _Ctx, _show, _store_url_problem
from bot.config.names import CURRENT_VERSION, ENV_DATABASE_URL
from bot.config.rules import _SECTION_RULES
from bot.config.schema import _OPTIONAL_SECTIONS, _SECTIONS, Settings, StoreSettings

_Upgrade = Callable[[dict[str, Any]], dict[str, Any]]
_UPGRADES: Mapping[int, _Upgrade] = MappingProxyType({})
"""Version N → a function turning a version-N table into version N+1. Version 1 is the first
schema, so there is nothing to upgrade from yet; the loop in ``parse_settings`` is the seam."""


class ConfigError(Exception):
    """The configuration cannot be used. ``str()`` is one line per problem, each naming the
    dotted key, the value found and the fix."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join(self.problems))


# -- parsing --------------------------------------------------------------------------------------


def load_settings(path: str | Path | None, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the TOML file at ``path`` (None: all defaults) with secrets from ``env``
    (None: ``os.environ``). Raises :class:`ConfigError` listing every problem."""
    if path is None:
        return parse_settings({}, env)
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such file; copy config.example.toml there, "
                           "or give the right path"]) from None
    except OSError as exc:
        raise ConfigError(
            [f"{path}: cannot be read ({exc.strerror}); check its permissions"]
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not UTF-8 text; save the file as UTF-8"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML ({exc}); fix the syntax at that line, "
                           "e.g. quote texts and close every bracket"]) from None
    return parse_settings(data, env)


def parse_settings(data: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Settings:
    """Validate an already-parsed TOML table. See :func:`load_settings`."""
    environ: Mapping[str, str] = os.environ if env is None else env
    table = dict(data)
    version = _upgrade(table)
    problems: list[str] = []
    ctx = _Ctx()

    known = ["version", *_SECTIONS]
    for name, value in table.items():
        if name == "version":
            continue
        if name not in _SECTIONS:
            problems.append(_unknown(name, name, known))
        elif not isinstance(value, Mapping):
            problems.append(f"{name} = {_show(value)}: expected a section; write [{name}] on its "
                            "own line, with its keys below it")

    sections: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        raw = table.get(name)
        if not isinstance(raw, Mapping):
            if name in _OPTIONAL_SECTIONS:
                sections[name] = None
                continue
            raw = {}
        before = len(problems)
        sections[name] = _parse_section(name, cls, raw, environ, ctx, problems)
        rule = _SECTION_RULES.get(name)
        if rule is not None and len(problems) == before:
            # Rules across keys only make sense once each key is valid on its own.
            problems.extend(rule(sections[name]))

    store_url = _env(environ, ENV_DATABASE_URL)
    if store_url is not None:
        if problem := _store_url_problem(store_url):
            problems.append(f"{ENV_DATABASE_URL}: {problem}")
        else:
            sections["store"] = StoreSettings(url=store_url)

    if problems:
        raise ConfigError(problems)
    return Settings(version=version, **sections)


def _upgrade(table: dict[str, Any]) -> int:
    version = table.get("version", CURRENT_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        raise ConfigError([f"version = {_show(version)}: expected a whole number; "
                           f"write version = {CURRENT_VERSION}"])
    if version > CURRENT_VERSION:
        raise ConfigError([
            f"version = {version}: this Warmline reads config version {CURRENT_VERSION}; the file "
            "is for a newer Warmline. Upgrade Warmline (pip install -U warmline), or rewrite "
            "the file from this version's config.example.toml"
        ])
    if version < 1 or (version < CURRENT_VERSION and version not in _UPGRADES):
        raise ConfigError([f"version = {version}: no such config version; the first is 1. "
                           f"Start from config.example.toml and write version = {CURRENT_VERSION}"])
    while version < CURRENT_VERSION:
        table.update(_UPGRADES[version](table))
        version += 1
    table["version"] = version
    return version


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _unknown(dotted: str, name: str, valid: Sequence[str]) -> str:
    close = _closest(name, valid)
    if close:
        return f"{dotted}: unknown key. Did you mean {close!r}?"
    listing = ", ".join(valid) if valid else "none"
    return f"{dotted}: unknown key; remove it (valid keys here: {listing})"


def _parse_section(
    name: str, cls: type, raw: Mapping[str, Any], environ: Mapping[str, str], ctx: _Ctx,
    problems: list[str],
) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    file_keys = [n for n, f in fields.items() if "check" in f.metadata]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{name}.{key}"
        spec = fields.get(key)
        if spec is not None and "env" in spec.metadata:
            problems.append(f"{dotted}: tokens never go in the config file; set the environment "
                            f"variable {spec.metadata['env']} instead")
        elif spec is None or "check" not in spec.metadata:
            problems.append(_unknown(dotted, key, file_keys))
        else:
            try:
                values[key] = spec.metadata["check"](value, ctx, dotted)
            except _Bad as bad:
                problems.extend(bad.lines or [f"{dotted} = {_show(value)}: {bad.message}"])
    for key, spec in fields.items():
        if "env" in spec.metadata:
            values[key] = _env(environ, spec.metadata["env"])
    return cls(**values)
