"""What Slack sends an app, built as Slack builds it, and signed the way Slack signs it.

Shapes follow ../shared/design/platform-testing.md §3.2 (each proven against bolt there): Events
API bodies are JSON; slash commands and interactivity are form-encoded (interactivity as one
``payload`` field of JSON). :func:`sign` covers the exact bytes that are sent.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

__all__ = ["SlackPayloads", "sign"]


def sign(body: str, secret: str, ts: str | None = None) -> dict[str, str]:
    """Slack's request signature headers for ``body`` (``v0=`` HMAC-SHA256 of ``v0:ts:body``)."""
    ts = ts or str(int(time.time()))
    mac = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + mac}


class SlackPayloads:
    """Builders for one workspace. ``response_url`` makes the URLs interactions carry (the
    fake's, so ``respond`` is recorded)."""

    def __init__(self, *, team_id: str = "T111", app_id: str = "A111",
                 response_base: str = "http://127.0.0.1:9/response") -> None:
        self.team_id = team_id
        self.app_id = app_id
        self.response_base = response_base
        self._ids = itertools.count(1)

    def _n(self) -> int:
        return next(self._ids)

    # -- Events API (JSON) -------------------------------------------------------------------

    def event(self, event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
        n = self._n()
        return {
            "type": "event_callback", "token": "x", "team_id": self.team_id,
            "api_app_id": self.app_id, "event_id": event_id or f"Ev{n:08d}",
            "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": self.team_id, "user_id": "UBOT",
                                "is_bot": True, "is_enterprise_install": False}],
            "event": event,
        }

    def message(self, text: str, *, user: str = "U222", channel: str = "C111",
                channel_type: str = "channel", thread_ts: str | None = None,
                ts: str | None = None, **extra: Any) -> dict[str, Any]:
        ts = ts or f"{int(time.time())}.{self._n():06d}"
        event: dict[str, Any] = {"type": "message", "channel": channel, "user": user,
                                 "text": text, "ts": ts, "event_ts": ts,
                                 "channel_type": channel_type, **extra}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return event

    # -- slash commands (form) ---------------------------------------------------------------

    def command(self, text: str, *, user: str = "U222", channel: str = "C111",
                command: str = "/warmline") -> dict[str, str]:
        n = self._n()
        return {"token": "x", "team_id": self.team_id, "team_domain": "fake",
                "channel_id": channel, "channel_name": "general", "user_id": user,
                "user_name": user.lower(), "command": command, "text": text,
                "api_app_id": self.app_id, "is_enterprise_install": "false",
                "response_url": f"{self.response_base}/cmd{n}", "trigger_id": f"{n}.1.t"}

    # -- interactivity (form, payload=JSON) ------------------------------------------------

    def block_action(self, button: dict[str, Any], *, user: str = "U222", channel: str = "C111",
                     message_ts: str = "1.1", ephemeral: bool = False) -> dict[str, Any]:
        n = self._n()
        return {
            "type": "block_actions", "api_app_id": self.app_id, "token": "x",
            "trigger_id": f"{n}.2.t",
            "user": {"id": user, "username": user.lower(), "name": user.lower(),
                     "team_id": self.team_id},
            "team": {"id": self.team_id, "domain": "fake"},
            "channel": {"id": channel, "name": "general"},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel,
                          "is_ephemeral": ephemeral},
            "message": {"type": "message", "ts": message_ts, "text": "x"},
            "response_url": f"{self.response_base}/act{n}",
            "actions": [{"action_id": button["action_id"], "block_id": "b", "type": "button",
                         "value": button.get("value", ""), "text": button["text"],
                         "action_ts": "1.2"}],
        }

    def view_submission(self, view: dict[str, Any], values: dict[str, str], *,
                        user: str = "U222") -> dict[str, Any]:
        """A submit of ``view`` (as the bot opened it) with ``values`` by input block id."""
        state: dict[str, dict[str, Any]] = {}
        for block in view.get("blocks", ()):
            if block.get("type") == "input":
                element = block["element"]
                state[block["block_id"]] = {element["action_id"]: {
                    "type": element["type"], "value": values.get(block["block_id"])}}
        return {
            "type": "view_submission", "api_app_id": self.app_id, "token": "x",
            "trigger_id": f"{self._n()}.3.t",
            "team": {"id": self.team_id, "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(),
                     "team_id": self.team_id},
            "view": {"id": "V1", "team_id": self.team_id, "type": "modal",
                     "callback_id": view["callback_id"], "hash": "h",
                     "private_metadata": view.get("private_metadata", ""),
                     "blocks": view.get("blocks", []), "state": {"values": state}},
            "response_urls": [],
        }

    def message_shortcut(self, callback_id: str, *, user: str = "U222", channel: str = "C111",
                         message_ts: str = "1.1", author: str = "U333") -> dict[str, Any]:
        n = self._n()
        return {
            "type": "message_action", "callback_id": callback_id, "token": "x",
            "trigger_id": f"{n}.4.t", "action_ts": "1.5",
            "team": {"id": self.team_id, "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(),
                     "team_id": self.team_id},
            "channel": {"id": channel, "name": "general"},
            "message": {"type": "message", "user": author, "ts": message_ts, "text": "hard day"},
            "message_ts": message_ts, "response_url": f"{self.response_base}/sc{n}",
        }

    # -- encodings ---------------------------------------------------------------------------

    @staticmethod
    def json_body(body: dict[str, Any]) -> tuple[str, str]:
        return json.dumps(body), "application/json"

    @staticmethod
    def form_body(fields: dict[str, str]) -> tuple[str, str]:
        return urlencode(fields), "application/x-www-form-urlencoded"

    @staticmethod
    def interactive_body(payload: dict[str, Any]) -> tuple[str, str]:
        return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
