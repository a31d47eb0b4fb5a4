"""Suite-wide guards: no test may talk to anything but this machine's loopback."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check(sock: socket.socket, address: Any) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    host = address[0]
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise AssertionError(f"test tried to connect to {host!r}: only 127.0.0.1 is allowed")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def connect(self: socket.socket, address: Any) -> None:
        _check(self, address)
        _real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _check(self, address)
        return _real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield


# -- both engines (tests/helpers/backends.py) ---------------------------------------------------


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    from tests.helpers.backends import wants_both

    path = metafunc.definition.nodeid.split("::", 1)[0]
    if "backend" in metafunc.fixturenames and wants_both(path) \
            and metafunc.definition.get_closest_marker("sqlite_only") is None:
        metafunc.parametrize("backend", ["sqlite", pytest.param("postgres",
                                                                 marks=pytest.mark.postgres)],
                             indirect=True)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database for this session (skipped, or failed under CI, if unreachable)."""
    from tests.helpers.backends import session_database

    yield from session_database()


@pytest.fixture(autouse=True)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """``"sqlite"`` or ``"postgres"``: the engine the test's stores open on."""
    engine: str = getattr(request, "param", "sqlite")
    if engine == "postgres":
        from tests.helpers.backends import redirect_to_postgres

        redirect_to_postgres(monkeypatch, request.getfixturevalue("postgres_database"))
    return engine
