"""A database made by the releases before migration streams upgrades in place, losing nothing."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.config import default_settings
from bot.features.checkins.feature import Checkins
from bot.features.registry import build_features
from bot.store.store import open_sqlite
from tests.helpers.legacy import legacy_database

T = "2026-01-05T09:00:00.000000+00:00"

ROWS = [
    "INSERT INTO communities VALUES (1, 'discord', 'g1', 'Harbour', '{\"timezone\":\"Europe/London\"}')",
    "INSERT INTO members VALUES (1, 1, 'u1', 'Sam', 'Europe/London', '22:00-07:00', '[\"r1\"]', 1,"
    " NULL, '" + T + "', 'dm-1')",
    "INSERT INTO members VALUES (2, 1, 'u2', 'Dee', NULL, NULL, '[]', 0, 'dm_closed', '" + T + "', NULL)",
    "INSERT INTO channels VALUES (1, 'supporters', 'chan-9')",
    "INSERT INTO jobs VALUES (1, 'checkin.prompt', 'member:1:0', 1, 1, 'mon-fri 09:00',"
    " 'Europe/London', '" + T + "', '{}', 3)",
    "INSERT INTO deliveries VALUES (1, '" + T + "', 'sent', NULL, '" + T + "', '" + T + "')",
    "INSERT INTO seen_events VALUES ('discord', 'ev-1', '" + T + "')",
    "INSERT INTO audit_log VALUES (1, 1, 'u9', 'setup channel', 'supporters -> chan-9', '" + T + "')",
    "INSERT INTO checkin_enrolments VALUES (1, 1, NULL, NULL, 'walk', '" + T + "', '" + T + "')",
    "INSERT INTO checkin_prompts VALUES (1, 1, 1, '" + T + "', '" + T + "', 'answered', 2,"
    " 'my own words', '" + T + "', 'walk', 'done', 'yes')",
    "INSERT INTO checkin_reachouts VALUES (1, 1, 1, 1, '" + T + "', 'claimed', 2, '" + T + "', 1)",
    "INSERT INTO checkin_group_threads VALUES (1, 1, 'checkin-group-1', 'chan-9', 'th-1', '" + T + "')",
    "INSERT INTO checkin_group_posts VALUES (1, 2, 4)",
    "INSERT INTO checkin_daily_threads VALUES (1, '2026-01-05', 'checkin-day-1-2026-01-05',"
    " 'chan-9', 'th-2')",
]


def old_database_with_a_row_everywhere(path: Path) -> None:
    legacy_database(path)
    conn = sqlite3.connect(path)
    for statement in ROWS:
        conn.execute(statement)
    conn.commit()
    conn.close()


NOW = {"core": 7, "checkin": 5, "duty": 1, "safety": 1, "listening": 1}
"""Every component's version after the upgrade."""


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall()) for name in names}
    finally:
        conn.close()


async def test_every_row_survives_the_upgrade_and_nothing_runs_twice(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old_database_with_a_row_everywhere(path)
    before = snapshot(path)
    assert all(rows for name, rows in before.items()), "a row in every table"

    store = await open_sqlite(path)
    try:
        await build_features(default_settings(), store)
        assert await store.schema_versions() == NOW
    finally:
        await store.close()

    after = snapshot(path)
    # Columns added later come last and are empty: every old value is where it was.
    assert {name: [row[:len(before[name][0])] for row in rows]
            for name, rows in after.items() if name in before} == before
    assert all(value is None for row in after["members"] for value in row[len(before["members"][0]):])
    assert set(after) - set(before) == {"schema_migrations", "checkin_group_messages",
                                        "checkin_insight_periods", "checkin_reachout_posts",
                                        "deferred", "duty_supporters", "duty_stretches",
                                        "duty_work", "safety_detections",
                                        "safety_members", "listening_shares",
                                        "listening_notes", "listening_prefs"}
    old = "2026-01-01T00:00:00.000000+00:00"  # adopted: recorded when the old release ran them
    assert [row for row in after["schema_migrations"] if row[3] == old] == sorted([
        ("checkin", 1, "checkins", old),
        ("checkin", 2, "checkin_daily_threads", old),
        ("core", 1, "core", old),
        ("core", 2, "member_dm_channel", old),
        ("core", 3, "delivery_sending", old),
    ])
    assert [row[:3] for row in after["schema_migrations"] if row[3] != old] == [
        ("checkin", 3, "group_message_ids"), ("checkin", 4, "insight_periods"),
        ("checkin", 5, "reachout_posts"), ("core", 4, "quiet_and_deferred"), ("core", 5, "delivery_lease"),
        ("core", 6, "jobs_due_order"), ("core", 7, "deferred_lease"),
        ("duty", 1, "duty"),
        ("listening", 1, "listening"), ("safety", 1, "safety"),
    ]  # the only ones that ran now


async def test_the_upgraded_database_keeps_working(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old_database_with_a_row_everywhere(path)
    store = await open_sqlite(path)
    try:
        checkins = (await build_features(default_settings(), store))[1]
        assert isinstance(checkins, Checkins)
        history = await checkins.repo.prompts_since(1, datetime.fromisoformat(T))
        assert [(p.mood, p.note) for p in history] == [(2, "my own words")]
        thread = await checkins.repo.find_group_thread(1, "th-1")
        assert thread is not None and thread.ref == "checkin-group-1"
        exported = await store.export_member(1)
        assert exported["schema_versions"] == NOW
        assert [r["goal"] for r in exported["tables"]["checkin_enrolments"]] == ["walk"]
    finally:
        await store.close()


async def test_a_partly_upgraded_old_database_gets_only_what_it_lacks(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    legacy_database(path, upto=3)  # before the 'sending' state and the daily threads
    store = await open_sqlite(path)
    try:
        await build_features(default_settings(), store)
        assert await store.schema_versions() == NOW
        tables = {t.name for t in await store.db.tables()}
        assert "checkin_daily_threads" in tables
    finally:
        await store.close()
