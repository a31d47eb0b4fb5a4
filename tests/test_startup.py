"""`warmline check-config` and `warmline run` as real processes, started in every bad way we know:
each known failure is one clear line on stderr, no traceback, and its documented exit code
(bot/exit_codes.py, docs/operations.md)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from bot.exit_codes import ExitCode
from tests.fakes.discord_server import FakeDiscord

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def write_config(tmp_path: Path, extra: str = "", *, db: Path | None = None,
                 files: bool = True) -> Path:
    db = db or tmp_path / "w.db"
    text = f'[store]\nurl = "sqlite:///{db}"\n[logging]\nlevel = "info"\n'
    if files:
        text += (f'[files]\nevents = "{tmp_path / "events.jsonl"}"\n'
                 f'actions = "{tmp_path / "actions.jsonl"}"\n')
    config = tmp_path / "config.toml"
    config.write_text(text + extra, encoding="utf-8")
    return config


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARMLINE_")}
    env.update(extra)
    return env


def warmline(*args: str, prefix: Sequence[str] = (), python: Sequence[str] = ("-m", "bot.cli"),
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, sys.executable, *python, *args], capture_output=True,
                          text=True, timeout=60, env=env or environment(), cwd=ROOT)


def start(config: Path, stderr: Path, *, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`warmline run` in the background, its stderr in a file (read while it runs)."""
    with stderr.open("w") as err:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(config)],
                                stdout=subprocess.DEVNULL, stderr=err, text=True,
                                env=env or environment(), cwd=ROOT)


def wait_for(proc: subprocess.Popen[str], done: Callable[[], bool], what: str,
             within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def finish(proc: subprocess.Popen[str], within: float = 30.0) -> int:
    try:
        return proc.wait(timeout=within)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def clear_line(stderr: str, *needles: str) -> None:
    """The failure is said in one line starting "warmline:" holding every needle; no traceback."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("warmline: ")]
    assert any(all(n in line for n in needles) for line in lines), stderr


# -- 1. two processes on one database -------------------------------------------------------------


def test_a_second_run_on_the_same_database_is_refused_while_the_first_keeps_running(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path)
    first_err = tmp_path / "first.err"
    first = start(config, first_err)
    try:
        wait_for(first, lambda: "adapter files started" in first_err.read_text(), "the first run")
        second = warmline("run", "--config", str(config))
        assert second.returncode == ExitCode.LOCKED, second.stderr
        clear_line(second.stderr, str(tmp_path / "w.db"), "another Warmline",
                   f"process {first.pid}", "stop that one first")
        lock = tmp_path / "w.db.lock"
        assert stat.S_IMODE(lock.stat().st_mode) == 0o600
        # Only `warmline run` takes the lock: maintenance on the same file still works.
        migrate = warmline("db", "migrate", "--config", str(config))
        assert migrate.returncode == 0, migrate.stderr
        assert first.poll() is None, "the first one is untouched"
        first.send_signal(signal.SIGTERM)
        assert finish(first) == 0, first_err.read_text()
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    again = start(config, tmp_path / "again.err")  # the lock died with its process
    wait_for(again, lambda: "adapter files started" in (tmp_path / "again.err").read_text(),
             "a run after the first stopped")
    again.send_signal(signal.SIGTERM)
    assert finish(again) == 0


# -- 2. and 4. the database file ------------------------------------------------------------------


def test_an_empty_database_file_is_refused_not_replaced(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    db.touch()
    proc = warmline("run", "--config", str(write_config(tmp_path)))
    assert proc.returncode == ExitCode.DATABASE, proc.stderr
    clear_line(proc.stderr, str(db), "empty (0 bytes)", "backup")
    assert db.stat().st_size == 0


def test_a_damaged_database_is_refused_by_run_and_by_db_migrate(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.executemany("INSERT INTO notes (body) VALUES (?)", [("x" * 300,)] * 2000)
    conn.close()
    size = db.stat().st_size
    with db.open("r+b") as fh:
        fh.seek((size // 4096 // 2) * 4096)
        fh.write(b"\x00garbage\xff" * 400)
    config = write_config(tmp_path)
    for command in (("run",), ("db", "migrate")):
        proc = warmline(*command, "--config", str(config))
        assert proc.returncode == ExitCode.DATABASE, proc.stderr
        clear_line(proc.stderr, str(db), "damaged", ".recover", "backup")


def without_root_powers() -> list[str]:
    """A prefix that makes root obey file modes (as any user does), or skip."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes cannot be tested")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def test_a_read_only_folder_is_one_clear_line(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    config = write_config(tmp_path, db=folder / "w.db")
    folder.chmod(0o555)
    try:
        for command in ("run", "check-config"):
            proc = warmline(command, "--config", str(config), prefix=without_root_powers())
            if command == "check-config":
                assert proc.returncode == 0, proc.stderr  # it checks the file, not the disk
                continue
            assert proc.returncode == ExitCode.DATABASE, proc.stderr
            clear_line(proc.stderr, str(folder), "writable")
    finally:
        folder.chmod(0o755)


def test_an_unwritable_database_file_is_one_clear_line(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    config = write_config(tmp_path)
    assert warmline("db", "migrate", "--config", str(config)).returncode == 0
    db.chmod(0o400)
    proc = warmline("run", "--config", str(config), prefix=without_root_powers())
    assert proc.returncode == ExitCode.DATABASE, proc.stderr
    clear_line(proc.stderr, str(db), "not writable")


# -- 4. what this release cannot serve -----------------------------------------------------------


@pytest.mark.parametrize("command", ["check-config", "run"])
def test_a_postgresql_url_without_a_database_is_refused_by_check_config_and_run(
    tmp_path: Path, command: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[store]\nurl = "postgresql://warm@127.0.0.1:5432"\n'
                      f'[files]\nevents = "{tmp_path / "e.jsonl"}"\n', encoding="utf-8")
    proc = warmline(command, "--config", str(config))
    assert proc.returncode == ExitCode.CONFIG, proc.stderr
    clear_line(proc.stderr, "store.url", "needs a host and a database",
               "postgresql://warmline@127.0.0.1:5432/warmline")


@pytest.mark.parametrize("command", ["check-config", "run"])
def test_an_in_memory_database_from_the_environment_is_refused(tmp_path: Path, command: str) -> None:
    env = environment(WARMLINE_DATABASE_URL="sqlite:///:memory:")
    proc = warmline(command, "--config", str(write_config(tmp_path)), env=env)
    assert proc.returncode == ExitCode.CONFIG, proc.stderr
    clear_line(proc.stderr, "in-memory database", "sqlite:///warmline.db")


def test_a_slack_section_passes_check_config(tmp_path: Path) -> None:
    config = write_config(tmp_path, "[slack]\n")
    env = environment(WARMLINE_SLACK_BOT_TOKEN="xoxb-1", WARMLINE_SLACK_APP_TOKEN="xapp-1")
    proc = warmline("check-config", "--config", str(config), env=env)
    assert proc.returncode == ExitCode.OK, proc.stderr
    assert "adapters: slack" in proc.stdout
    assert not (tmp_path / "w.db").exists()


@pytest.mark.parametrize("command", ["check-config", "run"])
@pytest.mark.parametrize(("platform", "library", "env"), [
    ("discord", "discord", {"WARMLINE_DISCORD_TOKEN": "t"}),
    ("slack", "slack_bolt", {"WARMLINE_SLACK_BOT_TOKEN": "xoxb-1",
                             "WARMLINE_SLACK_APP_TOKEN": "xapp-1"}),
])
def test_a_missing_platform_extra_says_which_pip_install(
    tmp_path: Path, command: str, platform: str, library: str, env: dict[str, str],
) -> None:
    config = write_config(tmp_path, f"[{platform}]\n", files=False)
    without = ("-c", f"import sys; sys.modules[{library!r}] = None; from bot.cli import main; "
                     "raise SystemExit(main(sys.argv[1:]))")
    proc = warmline(command, "--config", str(config), python=without, env=environment(**env))
    assert proc.returncode == ExitCode.CONFIG, proc.stderr
    clear_line(proc.stderr, library, f"pip install 'warmline[{platform}]'")


# -- 4. and 5. Discord: a refused token, no network at boot ---------------------------------------


def discord_config(tmp_path: Path, port: int) -> Path:
    return write_config(
        tmp_path,
        f'[discord]\napi_base_url = "http://127.0.0.1:{port}/api/v10"\n'
        f'gateway_url = "ws://127.0.0.1:{port}/gw"\n',
        files=False,
    )


async def until(done: Callable[[], bool], what: str, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_a_wrong_discord_token_is_one_line_and_the_platform_exit_code(tmp_path: Path) -> None:
    async with FakeDiscord(token="the-right-token") as fake:
        config = discord_config(tmp_path, fake.port)
        err = tmp_path / "run.err"
        proc = start(config, err, env=environment(WARMLINE_DISCORD_TOKEN="a-wrong-token"))
        try:
            await until(lambda: proc.poll() is not None, "warmline run to give up")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == ExitCode.PLATFORM, err.read_text()
    clear_line(err.read_text(), "Discord rejected the bot token", "WARMLINE_DISCORD_TOKEN")
    assert "a-wrong-token" not in err.read_text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_no_network_at_boot_is_retried_until_discord_answers(tmp_path: Path) -> None:
    port = free_port()
    config = discord_config(tmp_path, port)
    err = tmp_path / "run.err"
    proc = start(config, err, env=environment(WARMLINE_DISCORD_TOKEN="fake-token"))
    fake = FakeDiscord()
    try:
        await until(lambda: err.read_text().count("cannot reach Discord") >= 2 or
                    proc.poll() is not None, "two failed attempts, said so")
        assert proc.poll() is None, err.read_text()
        await fake.start(port)  # the network comes up
        await until(lambda: fake.ready_count >= 1 or proc.poll() is not None, "READY")
        await until(lambda: "discord connected" in err.read_text() or proc.poll() is not None,
                    "the adapter to say it is connected")
        assert proc.poll() is None, err.read_text()
        proc.send_signal(signal.SIGTERM)
        await until(lambda: proc.poll() is not None, "a clean stop")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        await fake.stop()
    text = err.read_text()
    assert proc.returncode == 0, text
    assert "Traceback" not in text
    assert "retrying in" in text and "reached Discord after" in text


# -- 6. an adapter that dies stops the process ----------------------------------------------------


def test_a_files_adapter_whose_reader_dies_makes_run_exit_with_the_platform_code(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path)
    events = tmp_path / "events.jsonl"
    events.touch()
    err = tmp_path / "run.err"
    proc = start(config, err)
    try:
        wait_for(proc, lambda: "adapter files started" in err.read_text(), "the adapter")
        # The read position cannot be saved any more (a folder where its temporary file goes):
        # the reader dies at its next save.
        (tmp_path / "events.jsonl.offset.tmp").mkdir()
        line = {"type": "command", "event_id": "e1", "at": "2026-03-02T09:00:00Z",
                "community": "c1", "user": "sam", "name": "privacy info", "interaction": "i1"}
        with events.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
        code = finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = err.read_text()
    assert code == ExitCode.PLATFORM, text
    assert "adapter files failed (IsADirectoryError)" in text
    clear_line(text, "the files adapter failed (IsADirectoryError)", "supervisor")


# -- 7. a signal during start-up ------------------------------------------------------------------


def test_a_sigterm_at_any_moment_of_start_up_ends_cleanly(tmp_path: Path) -> None:
    """Signalled right after start, at growing delays: it exits 0 without a traceback. The one
    exception is a signal that lands before Python has loaded Warmline at all (the default
    action then ends it, -SIGTERM): that is only allowed while no database file exists yet, so
    it can never interrupt the creation or migration of the database."""
    config = write_config(tmp_path)
    db = tmp_path / "w.db"
    outcomes: list[tuple[float, int]] = []
    # 0 to 0.6 s in steps of 0.04 s, then (on a slow machine, until one start got far enough to
    # stop cleanly) up to 3 s more.
    delays = [step * 0.04 for step in range(16)] + [0.8, 1.2, 1.8, 2.5, 3.5]
    for step, delay in enumerate(delays):
        if step >= 16 and any(code == 0 for _, code in outcomes):
            break
        for leftover in tmp_path.glob("w.db*"):
            leftover.unlink()
        err = tmp_path / f"run{step}.err"
        proc = start(config, err)
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        code = finish(proc)
        outcomes.append((delay, code))
        text = err.read_text()
        assert "Traceback" not in text, text
        if code == -signal.SIGTERM:
            assert not db.exists(), f"killed half-way through start-up after {delay}s: {text}"
        else:
            assert code == 0, (delay, text)
        if db.exists():
            with sqlite3.connect(db) as conn:
                assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            conn.close()
    assert any(code == 0 for _, code in outcomes), outcomes


# -- 8. logs: no message text at any level --------------------------------------------------------


def test_debug_logging_never_shows_a_statement_with_its_parameters(tmp_path: Path) -> None:
    """aiosqlite logs every statement with its parameters at DEBUG (a member's note is one);
    `level = "debug"` must still keep the house rule: ids and counts, never text."""
    config = write_config(tmp_path)
    config.write_text(config.read_text().replace('level = "info"', 'level = "debug"\nformat = "json"'))
    events = tmp_path / "events.jsonl"
    line = {"type": "command", "event_id": "e1", "at": "2026-03-02T09:00:00Z", "community": "c1",
            "user": "sam", "name": "checkin join", "interaction": "i1"}
    events.write_text(json.dumps(line) + "\n", encoding="utf-8")
    err = tmp_path / "run.err"
    proc = start(config, err)
    try:
        wait_for(proc, lambda: (tmp_path / "actions.jsonl").exists(), "the answer")
        proc.send_signal(signal.SIGTERM)
        assert finish(proc) == 0, err.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    records = [json.loads(x) for x in err.read_text().splitlines() if x.startswith("{")]
    assert records, "it logged"
    libraries = [r for r in records if str(r.get("logger", "")).startswith(("aiosqlite", "discord"))
                 and r["level"] == "debug"]
    assert libraries == [], libraries[:3]
    assert "INSERT" not in err.read_text()
