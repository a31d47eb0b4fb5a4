"""Discord's wire-level numbers and error answers, shared by every part of the Discord fake.

Why a module of its own: the gateway (intents), the REST handlers (callback types, message
flags) and the HTTP front (error bodies, the exact ``Content-Type``) must all speak the same
protocol; keeping the numbers in one place keeps them identical to Discord's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from aiohttp import web

from tests.fakes.discord_payloads import (
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_MESSAGE_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
)

API_PREFIX = "/api/v10"

# Gateway intents (Discord "Gateway Intents").
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
INTENT_GUILD_MESSAGE_TYPING = 1 << 11
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_DIRECT_MESSAGE_REACTIONS = 1 << 13
INTENT_DIRECT_MESSAGE_TYPING = 1 << 14
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Interaction callback types.
CALLBACK_PONG = 1
CALLBACK_MESSAGE = 4
CALLBACK_DEFERRED_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE_RESULT = 8
CALLBACK_MODAL = 9

MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7

#: Which callback types Discord accepts for which interaction type.
ALLOWED_CALLBACKS: Mapping[int, frozenset[int]] = MappingProxyType(
    {
        INTERACTION_APPLICATION_COMMAND: frozenset({4, 5, 9}),
        INTERACTION_MESSAGE_COMPONENT: frozenset({4, 5, 6, 7, 9}),
        INTERACTION_AUTOCOMPLETE: frozenset({8}),
        INTERACTION_MODAL_SUBMIT: frozenset({4, 5, 6, 7}),
    }
)

#: Where the HTTP front leaves the parsed request body for the REST handlers. A typed key:
#: a plain string key makes aiohttp warn (``NotAppKeyWarning``), which ``filterwarnings=error``
#: turns into a 500 that discord.py silently retries.
BODY: web.RequestKey[Any] = web.RequestKey("discord_fake_body", object)


class DiscordError(Exception):
    """Raised inside a handler to answer with a Discord JSON error."""

    def __init__(self, status: int, message: str, code: int) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def json_response(
    status: int, payload: Any, headers: Mapping[str, str] | None = None
) -> web.Response:
    """discord.py compares ``Content-Type`` for *equality*; never use ``web.json_response``."""
    hdrs = {"Content-Type": "application/json"}
    if headers:
        hdrs.update(headers)
    return web.Response(status=status, body=json.dumps(payload).encode(), headers=hdrs)


def error_response(status: int, message: str, code: int) -> web.Response:
    return json_response(status, {"message": message, "code": code})
