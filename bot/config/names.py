"""Names the outside world relies on: the schema version a file declares and the environment
variables that carry secrets.

Why a module of its own: the schema (secret fields), the checkers (the store URL's password
hint), the cross-key rules and the loader all name these, and they are part of the public
contract (operators set the variables; ``bot.cli`` and the adapters quote them), so they live
in one place nothing else depends on.
"""

from __future__ import annotations

CURRENT_VERSION = 1

ENV_DISCORD_TOKEN = "WARMLINE_DISCORD_TOKEN"
ENV_BOT_TOKEN = "WARMLINE_SLACK_BOT_TOKEN"
ENV_APP_TOKEN = "WARMLINE_SLACK_APP_TOKEN"
ENV_SIGNING_SECRET = "WARMLINE_SLACK_SIGNING_SECRET"
ENV_CLIENT_SECRET = "WARMLINE_SLACK_CLIENT_SECRET"
ENV_DATABASE_URL = "WARMLINE_DATABASE_URL"
ENV_DATA_KEY = "WARMLINE_DATA_KEY"
ENV_DATA_KEY_OLD = "WARMLINE_DATA_KEY_OLD"
