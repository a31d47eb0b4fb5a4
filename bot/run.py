"""``warmline run``: build the adapters the config names and run until SIGTERM/SIGINT.

Adapters are found by name (``adapters.<name>``) so the core never imports a platform library;
each adapter package exposes ``create_adapter(settings, commands) -> Adapter``.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
import sys

from bot.adapter import Adapter
from bot.clock import SystemClock
from bot.config import Settings
from bot.feature import CommandSpec, all_commands
from bot.features.registry import build_features
from bot.logs import setup_logging
from bot.runtime.app import Warmline
from bot.store.open import open_store
from bot.texts import TextCatalogue

log = logging.getLogger(__name__)

ADAPTER_MODULES = {"discord": "adapters.discord", "slack": "adapters.slack", "files": "adapters.files"}


def configured_adapters(settings: Settings) -> list[str]:
    return [name for name in ADAPTER_MODULES if getattr(settings, name, None) is not None]


def build_adapters(settings: Settings, commands: list[CommandSpec]) -> list[Adapter]:
    adapters: list[Adapter] = []
    for name in configured_adapters(settings):
        module = importlib.import_module(ADAPTER_MODULES[name])
        adapters.append(module.create_adapter(settings, commands))
    return adapters


async def run_until_signalled(settings: Settings) -> int:
    names = configured_adapters(settings)
    if not names:
        print(
            "warmline: no adapters are configured, so there is nothing to run.\n"
            "Add a [discord] section (and set WARMLINE_DISCORD_TOKEN) to config.toml; "
            "see docs/discord.md. To try Warmline without a platform: warmline demo, "
            "or warmline console.",
            file=sys.stderr,
        )
        return 2
    store = await open_store(settings.store.url)
    try:
        clock = SystemClock()
        features = await build_features(settings, store)
        texts = TextCatalogue.load(overrides=settings.texts.overrides)
        adapters = build_adapters(settings, all_commands(features))
        bot = Warmline(settings=settings, store=store, clock=clock, texts=texts,
                       features=features, adapters=adapters)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        log.info("warmline running with adapters: %s", ", ".join(names))
        await bot.run(stop)
        log.info("warmline stopped cleanly")
        return 0
    finally:
        await store.close()


def run_forever(settings: Settings) -> int:
    setup_logging(settings.logging.level, settings.logging.format,
                  third_party_debug=settings.logging.third_party_debug)
    return asyncio.run(run_until_signalled(settings))
