"""``warmline run``: build the adapters the config names and run until SIGTERM/SIGINT.

Adapters are found by name (``adapters.<name>``) so the core never imports a platform library;
each adapter package exposes ``create_adapter(settings, commands) -> Adapter``.

Every failure Warmline understands ends the process with one line on stderr (no traceback) and
an exit code from :mod:`bot.exit_codes`: the database lock (another Warmline on the same file),
a database that cannot be used, the platform refusing (a bad token), an adapter that failed for
good. ``docs/operations.md`` lists each message and what to do.

Signals: :func:`catch_signals_early` is called by the CLI before the configuration is even read,
so a SIGTERM that arrives while Warmline starts (a supervisor stopping it at once, a deploy
rolled back) is remembered and answered with a clean exit 0 at the next step, instead of killing
the process half-way through creating or migrating its database.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from bot import early_signals
from bot.adapter import Adapter, AdapterError, Fatal
from bot.clock import SystemClock
from bot.config import Settings
from bot.early_signals import STOP_SIGNALS
from bot.exit_codes import ExitCode, KnownFailure
from bot.feature import CommandSpec, Feature, all_commands, needs_message_text
from bot.features.registry import build_features
from bot.logs import setup_logging
from bot.metrics import NO_METRICS, Metrics
from bot.runtime.app import Warmline
from bot.store.base import Store
from bot.store.open import (
    DatabaseInUse,
    StoreRefused,
    is_postgres,
    lock_database,
    open_store,
    sqlite_path,
)
from bot.texts import TextCatalogue

log = logging.getLogger(__name__)

ADAPTER_MODULES = {"discord": "adapters.discord", "slack": "adapters.slack", "files": "adapters.files"}

def configured_adapters(settings: Settings) -> list[str]:
    return [name for name in ADAPTER_MODULES if getattr(settings, name, None) is not None]


def missing_extras(settings: Settings) -> list[str]:
    """One line per configured adapter whose platform library is not installed (the package's
    optional extra), so ``check-config`` and ``run`` say which ``pip install`` to run."""
    problems: list[str] = []
    for name in configured_adapters(settings):
        try:
            importlib.import_module(ADAPTER_MODULES[name])
        except ModuleNotFoundError as exc:
            missing = exc.name or "?"
            if missing.split(".")[0] in ("bot", "adapters"):
                raise  # our own module missing: a broken install, not a missing extra
            problems.append(f"{name}: the {name} adapter needs the {missing!r} package, which is "
                            f"not installed; install it with: pip install 'warmline[{name}]'")
    return problems


def build_adapters(settings: Settings, commands: list[CommandSpec],
                   store: Store | None = None) -> list[Adapter]:
    """Each configured adapter; one whose ``create_adapter`` takes ``store`` gets it (Slack keeps
    its workspaces' installations there, and deletes a workspace's data when it uninstalls)."""
    adapters: list[Adapter] = []
    for name in configured_adapters(settings):
        module = importlib.import_module(ADAPTER_MODULES[name])
        create = module.create_adapter
        if "store" in inspect.signature(create).parameters:
            adapters.append(create(settings, commands, store=store))
        else:
            adapters.append(create(settings, commands))
    return adapters


def adapter_settings(settings: Settings, features: Sequence[Feature[Any]]) -> Settings:
    """The settings the adapters are built with. An enabled feature that reads what members
    write (safety, listening) needs the platform to send it: on Discord, the privileged Message
    Content intent. It is asked for exactly then, unless ``[discord] message_content_intent =
    false`` says never (a bot Discord has not approved for it): nobody asks for a privileged
    intent nothing uses, and nobody has to remember a flag for the crisis replies to work."""
    discord = settings.discord
    if discord is None:
        return settings
    wanted = discord.message_content_intent and needs_message_text(features)
    return replace(settings, discord=replace(discord, message_content_intent=wanted))


async def run_until_signalled(settings: Settings) -> int:
    """Run until SIGTERM/SIGINT (exit 0). A known failure raises :class:`KnownFailure`,
    :class:`StoreRefused` or :class:`bot.adapter.Fatal`; :func:`run_forever` turns each into
    its line and exit code."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    if early_signals.received:
        stop.set()
    names = configured_adapters(settings)
    if not names:
        print(
            "warmline: no adapters are configured, so there is nothing to run.\n"
            "Add a [discord] section (and set WARMLINE_DISCORD_TOKEN) to config.toml; "
            "see docs/discord.md. To try Warmline without a platform: warmline demo, "
            "or warmline console.",
            file=sys.stderr,
        )
        return ExitCode.CONFIG
    if stop.is_set():
        log.info("stopped before starting (a signal arrived during start-up)")
        return ExitCode.OK
    lock = None  # PostgreSQL: several workers may share one database (docs/operations.md)
    if not is_postgres(settings.store.url):
        try:
            database = sqlite_path(settings.store.url)
        except ValueError as exc:  # e.g. an in-memory database from WARMLINE_DATABASE_URL
            raise KnownFailure(ExitCode.CONFIG, f"store.url: {exc}") from None
        lock = lock_database(database)
    try:
        store = await open_store(settings.store.url)
        try:
            return await _run(settings, store, names, stop)
        finally:
            await store.close()
    finally:
        if lock is not None:
            lock.release()


async def _run(settings: Settings, store: Store, names: list[str], stop: asyncio.Event) -> int:
    features = await build_features(settings, store)
    if stop.is_set():
        log.info("stopped before starting (a signal arrived during start-up)")
        return ExitCode.OK
    texts = TextCatalogue.load(overrides=settings.texts.overrides,
                               default_locale=settings.texts.locale)
    adapters = build_adapters(adapter_settings(settings, features), all_commands(features), store)
    ops = settings.ops
    metrics: Metrics = NO_METRICS
    if ops.port:
        # Imported only when asked for: aiohttp and prometheus-client cost a few hundred
        # milliseconds of start-up, during which a SIGTERM is not yet caught.
        from bot.ops.http import serving
        from bot.ops.metrics import PrometheusMetrics

        metrics = prometheus = PrometheusMetrics()
    bot = Warmline(settings=settings, store=store, clock=SystemClock(), texts=texts,
                   features=features, adapters=adapters, metrics=metrics)
    log.info("warmline running with adapters: %s", ", ".join(names))
    async with contextlib.AsyncExitStack() as endpoints:
        if ops.port:
            prometheus.watch(bot)
            try:
                await endpoints.enter_async_context(
                    serving(bot, prometheus, host=ops.host, port=ops.port))
            except OSError as refused:
                raise KnownFailure(
                    ExitCode.CONFIG,
                    f"ops.port: cannot listen on {ops.host}:{ops.port} "
                    f"({refused.strerror or type(refused).__name__}); choose another port, or stop what "
                    "uses it") from None
        await bot.run(stop)
    if bot.adapter_failure is not None:
        platform, exc = bot.adapter_failure
        why = str(exc) if isinstance(exc, AdapterError) and str(exc) else type(exc).__name__
        raise KnownFailure(ExitCode.PLATFORM,
                           f"the {platform} adapter failed ({why}); Warmline stopped so that a "
                           "supervisor can restart it once that is fixed")
    log.info("warmline stopped cleanly")
    return ExitCode.OK


def run_forever(settings: Settings) -> int:
    """``warmline run``: the exit code, with one clear line on stderr for a known failure."""
    setup_logging(settings.logging.level, settings.logging.format,
                  third_party_debug=settings.logging.third_party_debug)
    try:
        return asyncio.run(run_until_signalled(settings))
    except KnownFailure as exc:
        code, line = exc.code, exc.line
    except DatabaseInUse as exc:
        code, line = ExitCode.LOCKED, str(exc)
    except StoreRefused as exc:
        code, line = ExitCode.DATABASE, str(exc)
    except Fatal as exc:  # from an adapter's start: the platform refused (a bad token)
        code, line = ExitCode.PLATFORM, str(exc) or type(exc).__name__
    print(f"warmline: {line}", file=sys.stderr)
    return code
