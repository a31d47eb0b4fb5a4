"""Run every benchmark once at a small size, one after another (``make bench``).

Why sequential subprocesses: benchmarks measure CPU and memory of their own process, so running
two at once, or in one interpreter, would distort both. The sizes here are chosen so the whole run
takes a few minutes; docs/performance.md has the numbers at each benchmark's full default size.
Output streams through as it comes; the exit code is non-zero if any benchmark failed.

Run: ``.venv/bin/python bench/run_all.py [--only core,scheduler]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name, script, arguments: small/fast sizes (the full defaults are documented in each script).
BENCHES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("core", "bench_core.py", ()),
    ("scheduler", "bench_scheduler.py", ("--sizes", "10000,100000")),
    ("checkin_fanout", "bench_checkin_fanout.py", ("--members", "20000")),
    ("discord", "bench_discord.py", ("--events", "20000", "--fanout", "500")),
    ("slack", "bench_slack.py", ("--events", "5000", "--fanout", "500")),
    ("listening", "bench_listening.py", ("--messages", "10000", "--passes", "5")),
    ("gate", "bench_gate.py", ("--members", "20000", "--actions", "20000")),
)


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text(encoding="ascii").split()[:3])
    except OSError:
        return "unknown"


def run(name: str, script: str, args: tuple[str, ...]) -> tuple[int, float]:
    command = [sys.executable, str(HERE / script), *args]
    print(f"=== {name}: {' '.join(command[1:])} (load average {load()})", flush=True)
    began = time.perf_counter()
    # Inherit stdout/stderr so each benchmark's output streams as it prints.
    code = subprocess.run(command, cwd=HERE.parent, check=False).returncode
    elapsed = time.perf_counter() - began
    print(f"=== {name}: {'ok' if code == 0 else f'FAILED (exit {code})'} in {elapsed:.0f}s\n",
          flush=True)
    return code, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--only", default="",
                        help="comma-separated subset of: " + ", ".join(b[0] for b in BENCHES))
    args = parser.parse_args(argv)
    wanted = {name for name in args.only.split(",") if name}
    unknown = wanted - {b[0] for b in BENCHES}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    results = [(name, *run(name, script, extra)) for name, script, extra in BENCHES
               if not wanted or name in wanted]
    print("summary:")
    for name, code, elapsed in results:
        print(f"  {name:<15} {'ok' if code == 0 else f'FAILED (exit {code})':<18} {elapsed:6.0f}s")
    return 1 if any(code for _, code, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
