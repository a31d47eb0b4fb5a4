"""The Dockerfile, docker-compose.yml and the systemd unit, checked statically (Docker and
systemd are not needed): a non-root user, the data directory as a volume, the pinned install,
and a restart policy that never loops on an exit code that needs a person."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

from bot.exit_codes import ExitCode

ROOT = Path(__file__).resolve().parent.parent
NEEDS_A_PERSON = {ExitCode.CONFIG, ExitCode.DATABASE, ExitCode.LOCKED}


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments), continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_the_image_runs_as_a_user_that_is_not_root_with_the_data_directory_a_volume() -> None:
    steps = dockerfile()
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [args for word, args in steps if word == "USER"]
    assert users, "the image must name a USER"
    last_user = users[-1].split(":")[0]
    assert last_user not in ("root", "0", ""), users
    assert any(word == "RUN" and "useradd" in args and last_user in args for word, args in steps)
    volumes = [args for word, args in steps if word == "VOLUME"]
    assert any("/data" in v for v in volumes), volumes
    workdir = [args for word, args in steps if word == "WORKDIR"][-1]
    assert workdir == "/data", "a relative store URL (the default) must land in the volume"
    entry = " ".join(shlex.split(next(a for w, a in steps if w == "ENTRYPOINT").strip("[]")
                                 .replace(",", " ")))
    cmd = " ".join(shlex.split(next(a for w, a in steps if w == "CMD").strip("[]").replace(",", " ")))
    assert f"{entry} {cmd}" == "warmline run --config /config/config.toml"


def test_the_image_installs_the_pinned_versions_with_every_platform() -> None:
    installs = [args for word, args in dockerfile() if word == "RUN" and "pip install" in args]
    assert installs
    assert all("-c constraints.txt" in args for args in installs)
    extras = re.search(r"\.\[([a-z,]+)\]", installs[0])
    assert extras is not None and set(extras.group(1).split(",")) >= {"discord", "slack", "postgres"}
    copied = " ".join(args for word, args in dockerfile() if word == "COPY")
    assert "constraints.txt" in copied and "pyproject.toml" in copied


def test_compose_runs_warmline_with_postgresql_15_and_keeps_the_password_out_of_the_file() -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert re.search(r"^\s+image: postgres:15\s*$", text, re.MULTILINE)
    url = re.search(r"WARMLINE_DATABASE_URL: (\S+)", text)
    assert url is not None and url.group(1).startswith("postgresql://")
    assert "${POSTGRES_PASSWORD" in url.group(1), "the password comes from .env, not the file"
    assert "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?" in text
    assert re.search(r"^\s+- warmline-data:/data\s*$", text, re.MULTILINE)
    assert "/config/config.toml:ro" in text
    assert re.search(r"^\s+restart: on-failure:\d+\s*$", text, re.MULTILINE), "a bounded restart"
    assert "condition: service_healthy" in text


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(ROOT / "deploy" / "warmline.service", encoding="utf-8")
    return parser


def test_the_systemd_unit_restarts_on_failure_but_never_on_a_code_that_needs_a_person() -> None:
    service = unit()["Service"]
    assert service["Restart"] == "on-failure"
    assert int(service["RestartSec"]) > 0
    prevented = {int(code) for code in service["RestartPreventExitStatus"].split()}
    assert prevented == NEEDS_A_PERSON
    assert service["User"] not in ("root", "0") and service["User"] == service["Group"]
    assert service["ExecStart"].endswith("warmline run --config /etc/warmline/config.toml")
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) > 30, "longer than the 30 s drain of events in flight"
    assert service["UMask"] == "0077"
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


def test_the_operations_guide_names_the_same_codes_and_the_files() -> None:
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    codes = " ".join(str(int(c)) for c in sorted(NEEDS_A_PERSON))
    assert f"RestartPreventExitStatus={codes}" in text
    for name in ("deploy/warmline.service", "Dockerfile", "docker-compose.yml"):
        assert name in text, name
