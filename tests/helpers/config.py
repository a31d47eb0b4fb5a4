"""Shared helpers for the config tests: the example file, valid secrets, and problem collection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, parse_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"
DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0.GaBcDe.abcdefghijklmnopqrstuvwxyz0123"
SLACK_ENV = {
    "WARMLINE_SLACK_BOT_TOKEN": "xoxb-1-secret-bot",
    "WARMLINE_SLACK_APP_TOKEN": "xapp-1-secret-app",
    "WARMLINE_SLACK_SIGNING_SECRET": "signing-secret-value",
}


def problems(data: dict[str, Any], env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(data, env or {})
    assert str(caught.value) == "\n".join(caught.value.problems)
    return list(caught.value.problems)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path

