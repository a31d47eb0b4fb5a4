"""The exit codes of ``warmline``, in one place, so the docs, the CLI and supervisors agree.

Why distinct codes: a supervisor (systemd, Docker, Kubernetes) restarts on any non-zero exit, but
the person reading its status needs to know whether to wait (1), fix the config (2), restore the
database (3), stop the other copy (4) or fix the platform side (5). ``docs/operations.md`` lists
them with what each startup message means and what to do.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    """Stopped on SIGTERM/SIGINT after finishing the work in hand."""
    FAILED = 1
    """An unexpected error at run time (a bug, or the environment failing): the log says more."""
    CONFIG = 2
    """The configuration (or the command line) asks for something Warmline cannot do."""
    DATABASE = 3
    """The database cannot be used: empty, not SQLite, damaged, not writable, or migrated by a
    newer Warmline."""
    LOCKED = 4
    """Another Warmline process is running on the same database file."""
    PLATFORM = 5
    """An adapter failed for good: the platform refused (bad token, a gateway close Discord says
    not to reconnect on) or the adapter stopped working; restarting alone will not fix it."""
    INTERRUPTED = 130
    """Ctrl-C during a command other than ``run``."""


class KnownFailure(Exception):
    """A failure Warmline understands: shown as one line (no traceback) and an exit code."""

    def __init__(self, code: ExitCode, line: str) -> None:
        super().__init__(line)
        self.code = code
        self.line = line
