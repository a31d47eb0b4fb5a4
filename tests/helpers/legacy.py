"""Databases as the releases before migration streams made them, for upgrade tests.

``tests/data/legacy_migrations/`` holds the five files exactly as they shipped (one global
numbering, recorded in ``schema_version``); :func:`legacy_database` applies the first ``upto`` of
them the way the old code did.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

LEGACY = Path(__file__).resolve().parents[1] / "data" / "legacy_migrations"


def legacy_database(path: Path, upto: int = 5) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                     " applied_at TEXT NOT NULL)")
        for file in sorted(LEGACY.glob("*.sql"))[:upto]:
            version, name = int(file.name[:4]), file.stem[5:]
            conn.executescript(
                "BEGIN IMMEDIATE;\n"
                f"INSERT INTO schema_version VALUES ({version}, '{name}', "
                "'2026-01-01T00:00:00.000000+00:00');\n"
                f"{file.read_text(encoding='utf-8')}\n;\nCOMMIT;"
            )
    finally:
        conn.close()
