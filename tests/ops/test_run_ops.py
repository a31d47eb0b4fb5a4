"""``warmline run`` with ``[ops] port``: the endpoints come up with the runtime, answer, and go
away with it; a port already taken is a configuration error (exit 2), not a restart loop."""

from __future__ import annotations

import json
import signal
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers.process import start, stop

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path / "w.db"}"\n'
        f'[logging]\nformat = "json"\n'
        f'[files]\nevents = "{tmp_path / "events.jsonl"}"\nactions = "{tmp_path / "actions.jsonl"}"\n'
        f'[ops]\nport = {port}\nhost = "127.0.0.1"\n',
        encoding="utf-8")
    return path


def fetch(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_run_serves_healthz_and_metrics_and_stops_them(tmp_path: Path) -> None:
    port = free_port()
    proc = start(config(tmp_path, port))
    try:
        deadline = time.monotonic() + 20
        status = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, body = fetch(port, "/healthz")
            except OSError:
                time.sleep(0.05)
                continue
            if status == 200:
                break
            time.sleep(0.05)
        assert status == 200, proc.poll()
        assert json.loads(body) == {"status": "ready"}
        line = {"type": "message", "event_id": "e1", "at": "2026-03-02T09:00:00Z",
                "community": "C0SECRET1", "user": "U0SECRET2", "channel": "C0SECRET3",
                "message_id": "M0SECRET4", "text": "a private sentence"}
        (tmp_path / "events.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
        text = ""
        while time.monotonic() < deadline:
            _, text = fetch(port, "/metrics")
            if 'warmline_events_handled_total{event="message",platform="files"} 1.0' in text:
                break
            time.sleep(0.05)
        assert 'warmline_events_handled_total{event="message",platform="files"} 1.0' in text
        assert 'warmline_adapter_ready{platform="files"} 1.0' in text
        assert "SECRET" not in text and "private" not in text
    finally:
        stop(proc, signal.SIGTERM)
    assert proc.returncode == 0
    with pytest.raises(OSError):
        fetch(port, "/healthz")


def test_a_port_in_use_exits_2_saying_which(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        proc = start(config(tmp_path, port))
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2, err
    assert f"ops.port: cannot listen on 127.0.0.1:{port}" in err
