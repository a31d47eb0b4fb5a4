"""Stop signals that arrive while ``warmline run`` is still starting.

Why a module of its own, with nothing heavy imported: the CLI installs this before it imports the
runtime and every feature (half a second or more on a busy machine), so a SIGTERM at any moment of
start-up is remembered and answered with a clean stop instead of killing the process part-way
through creating or migrating its database.
"""

from __future__ import annotations

import signal
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

received: list[int] = []
"""Stop signals received before the event loop took them over."""


def catch_signals_early() -> None:
    """Remember SIGTERM/SIGINT from now on; ``bot.run.run_until_signalled`` answers them with a
    clean stop. Only for ``warmline run``: any other command would then ignore them."""

    def remember(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    for sig in STOP_SIGNALS:
        signal.signal(sig, remember)
