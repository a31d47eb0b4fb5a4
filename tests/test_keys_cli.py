"""``warmline keys new``, ``warmline keys rotate`` and what ``check-config`` says about the mode."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from bot.sealing import DataKey, new_key, sealed_key_id
from bot.sim.simulate import simulation
from bot.store.store import open_sqlite
from tests.helpers.checkins import MONDAY, advance, command, make_settings, press, run, world


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "w.db"}"\n', encoding="utf-8")
    return config


async def _notes(db: Path, key: str, people: int) -> None:
    async with simulation(db=db, settings=make_settings(data_key=key), start=MONDAY) as sim:
        await world(sim)
        for n in range(people):
            user = f"m{n}"
            await run(sim, {"member": {"id": user, "timezone": "Europe/London"}})
            await command(sim, user, "checkin join")
            await command(sim, user, "checkin goal", text=f"goal {n}")
        await advance(sim, "2026-01-05T09:00:00Z")
        for n in range(people):
            await press(sim, f"m{n}", "Add a note")
            await run(sim, {"submit": {"user": f"m{n}", "values": {"note": f"note {n}"}}})


async def _key_ids(db: Path) -> set[str | None]:
    store = await open_sqlite(db)
    try:
        rows = await store.db.fetchall("SELECT note AS v FROM checkin_prompts UNION ALL "
                                       "SELECT goal FROM checkin_prompts UNION ALL "
                                       "SELECT goal FROM checkin_enrolments")
        return {sealed_key_id(str(r["v"])) for r in rows}
    finally:
        await store.close()


def test_keys_new_prints_a_usable_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "new"]) == 0
    key = capsys.readouterr().out.strip()
    assert len(DataKey.parse(key, "printed").secret) == 32


def test_rotate_reseals_every_note_and_goal_with_the_new_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    old, newer = new_key(), new_key()
    asyncio.run(_notes(tmp_path / "w.db", old, people=3))
    assert asyncio.run(_key_ids(tmp_path / "w.db")) == {DataKey.parse(old, "x").id}
    config = _config(tmp_path)

    monkeypatch.setenv("WARMLINE_DATA_KEY", newer)  # the old key forgotten: nothing opens
    assert main(["keys", "rotate", "--config", str(config)]) == 1
    out = capsys.readouterr()
    assert "0 re-sealed, 0 plain sealed, 3 unreadable" in out.out and "keep" in out.err

    monkeypatch.setenv("WARMLINE_DATA_KEY_OLD", old)
    assert main(["keys", "rotate", "--config", str(config), "--batch", "2"]) == 0
    out = capsys.readouterr()
    assert "checkin_prompts.note: 3 re-sealed" in out.out
    assert "old keys can be removed now" in out.out
    assert old not in out.out + out.err and newer not in out.out + out.err
    assert asyncio.run(_key_ids(tmp_path / "w.db")) == {DataKey.parse(newer, "x").id}


def test_rotate_without_a_key_and_check_config_say_what_to_do(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("WARMLINE_DATA_KEY", raising=False)
    monkeypatch.delenv("WARMLINE_DATA_KEY_OLD", raising=False)
    config = _config(tmp_path)
    assert main(["keys", "rotate", "--config", str(config)]) == 2
    assert "set WARMLINE_DATA_KEY" in capsys.readouterr().err
    assert main(["check-config", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "notes and goals: NOT kept (no data key" in out and "after 90 days" in out
    key = new_key()
    monkeypatch.setenv("WARMLINE_DATA_KEY", key)
    assert main(["check-config", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"sealed with key {DataKey.parse(key, 'x').id}" in out and key not in out
