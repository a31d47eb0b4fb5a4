"""Running `warmline run` as a real process in a test: start it, wait, stop it with a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def start(config: Path) -> subprocess.Popen[str]:
    """`warmline run --config CONFIG`, without any WARMLINE_* variable of the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARMLINE_")}
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def stop(proc: subprocess.Popen[str], sig: signal.Signals = signal.SIGTERM) -> str:
    """Signal ``proc``, wait for it to end (killing it after 30 s), and return its stderr. It
    must have exited 0."""
    try:
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    return err


def run_until(config: Path, done: Callable[[], bool], *, within: float) -> str:
    """Run `warmline run` until ``done()`` (or ``within`` seconds), then SIGTERM it; it must
    exit 0. Returns what it logged."""
    proc = start(config)
    try:
        deadline = time.monotonic() + within
        while not done() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
    finally:
        err = stop(proc)
    return err
