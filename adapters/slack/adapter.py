"""The Slack adapter: a slack-bolt ``AsyncApp`` that translates, and decides nothing.

``SlackAdapter`` owns the lifecycle and composes the parts, one job each (the split of
``adapters/discord``):

- :mod:`adapters.slack.inbound`: bolt's listeners; Slack payloads → neutral events
  (:mod:`adapters.slack.convert`, pure), acked at once, slow work after the ack;
- :mod:`adapters.slack.outbound`: neutral actions → Web API calls, pacing, and Slack's errors →
  the outbox's ``Transient``/``RateLimited``/``Unreachable``/``Fatal``;
- :mod:`adapters.slack.commands`: ``/warmline …`` from the core's ``CommandSpec`` list;
- :mod:`adapters.slack.blocks`: Block Kit and safe mrkdwn;
- :mod:`adapters.slack.install`: OAuth installs over Warmline's database.

Connection modes (``[slack] mode``):

- ``socket`` (the default): Socket Mode over an app-level token; no public URL. slack-sdk's
  client reconnects by itself when Slack asks (``disconnect``) or the socket drops.
- ``http``: bolt's aiohttp server on ``port`` (``/slack/events``); bolt checks every request's
  signature and timestamp. With ``client_id`` set, ``/slack/install`` and
  ``/slack/oauth_redirect`` let any workspace install Warmline, and each workspace's bot token
  comes from the installation store; otherwise one workspace, with the bot token.

A bot token Slack refuses at start (``invalid_auth``, ``token_revoked``…) raises
:class:`~bot.adapter.Fatal`; not reaching Slack at start is retried with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import home_view
from adapters.slack.commands import CommandTable
from adapters.slack.convert import PLATFORM
from adapters.slack.inbound import Inbound
from adapters.slack.install import MIGRATIONS, DbInstallationStore, DbStateStore
from adapters.slack.interactions import Pending, PendingInteractions
from adapters.slack.manifest import BOT_SCOPES
from adapters.slack.options import SlackOptions
from adapters.slack.outbound import NETWORK_ERRORS, Outbound
from adapters.slack.seen import SeenMessages
from bot.actions import Action
from bot.adapter import Capabilities, EventSink, Fatal, SendResult, Transient
from bot.feature import CommandSpec
from bot.store.base import Store

__all__ = ["SlackAdapter", "SlackOptions"]

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
DEFAULT_API = "https://slack.com/api/"
START_RETRY_FIRST = 1.0
START_RETRY_MAX = 60.0
REFUSED = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                     "token_expired", "not_allowed_token_type"})


class ShortRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack-sdk's 429 retry, once, and only when Slack asks for a short wait: a longer one goes
    to the outbox as ``RateLimited`` (it parks a scheduled prompt instead of sitting here)."""

    def __init__(self, ceiling: float) -> None:
        super().__init__(max_retry_count=1)
        self.ceiling = ceiling

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None,
                               error: Exception | None = None) -> bool:
        if response is None or response.status_code != 429:
            return False
        raw = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
        value = raw[0] if isinstance(raw, list) and raw else raw
        try:
            return value is not None and int(str(value)) <= self.ceiling
        except ValueError:
            return False


class SlackAdapter:
    platform = PLATFORM

    def __init__(self, options: SlackOptions, commands: Sequence[CommandSpec], *,
                 store: Store | None = None) -> None:
        if options.oauth and store is None:
            raise ValueError("OAuth installs keep their tokens in Warmline's store; pass store=")
        self.options = options
        self.store = store
        self.table = CommandTable(commands)  # fail at construction, not at the first command
        self.capabilities = Capabilities(
            max_text=3000,
            sends_per_second=options.sends_per_second,
            delivery_window_seconds=float(options.delivery_window_seconds),
            command_names=self.table.typed(),
        )
        self._interactions = PendingInteractions(options.interaction_ttl)
        self._inbound = Inbound(table=self.table, interactions=self._interactions,
                                uninstalled=self._uninstall)
        self._outbound = Outbound(options, client_for=self._client_for,
                                  interactions=self._interactions, max_text=3000,
                                  publish_home=self._publish_home)
        self.installations: DbInstallationStore | None = None
        self.app: AsyncApp | None = None
        self.client: AsyncWebClient | None = None
        self._clients: dict[str | None, AsyncWebClient] = {}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self.port: int | None = None
        """The HTTP port actually listened on (``port = 0`` picks one)."""
        self.failed = asyncio.Event()
        self.failure: BaseException | None = None

    @property
    def events_in(self) -> int:
        return self._inbound.events_in

    @property
    def ready(self) -> bool:
        """Started and listening (HTTP), or its Socket Mode connection open (``/healthz``)."""
        if self.app is None or self.failed.is_set():
            return False
        if self._socket is None:
            return self._runner is not None
        session = getattr(self._socket.client, "current_session", None)
        return session is not None and not session.closed

    @property
    def owned_tasks(self) -> int:
        """Tasks the adapter holds: the Socket Mode client's while it is connected."""
        socket = self._socket
        if socket is None:
            return 0
        tasks = [getattr(socket.client, name, None)
                 for name in ("current_session_monitor", "message_receiver", "message_processor")]
        return sum(1 for t in tasks if isinstance(t, asyncio.Future) and not t.done())

    def web_client(self, token: str | None) -> AsyncWebClient:
        """A Web API client on the adapter's one HTTP session (kept-alive connections: slack-sdk
        opens a new session per call without one)."""
        return AsyncWebClient(
            token=token, base_url=self.options.api_base_url or DEFAULT_API,
            retry_handlers=self.retry_handlers(), session=self._session)

    def retry_handlers(self) -> list[AsyncRetryHandler]:
        return [AsyncConnectionErrorRetryHandler(),
                ShortRateLimitRetry(self.options.retry_after_ceiling)]

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self, sink: EventSink) -> None:
        """Build the bolt app, check the token, and listen (HTTP) or connect (Socket Mode)."""
        self._inbound.sink = sink
        if self.app is not None:
            return
        self._outbound.stopped = False
        self._session = aiohttp.ClientSession()
        if self.store is not None:
            # The adapter's own tables (installations, message ids for Slack's retries).
            await self.store.migrate(MIGRATIONS)
            self._inbound.seen = SeenMessages(self.store.db)
        self.client = self.web_client(self.options.bot_token or None)
        if not self.options.oauth:
            await self._check_token(self.client)
            self._clients[None] = self.client
        self.app = self._build_app(self.client)
        self._inbound.register(self.app)
        try:
            if self.options.mode == "http":
                await self._serve_http(self.app)
            else:
                self._socket = AsyncSocketModeHandler(
                    self.app, self.options.app_token, ping_interval=self.options.socket_ping_interval)
                self._watch_refusals(self._socket)
                await self._connect_socket(self._socket)
        except BaseException:
            await self.stop()
            raise

    def _build_app(self, client: AsyncWebClient) -> AsyncApp:
        """Bolt's app on ``client`` (its ``base_url`` carries to every per-request client). In
        Socket Mode there is no request to sign, so bolt's signature check is off."""
        common: dict[str, Any] = {
            "client": client,
            "logger": logging.getLogger("slack_bolt.warmline"),
            "request_verification_enabled": self.options.mode == "http",
            "signing_secret": self.options.signing_secret or None,
        }
        if not self.options.oauth:
            return AsyncApp(**common)
        assert self.store is not None
        self.installations = DbInstallationStore(self.store.db)
        base = self.options.public_url.rstrip("/")
        settings = AsyncOAuthSettings(
            client_id=self.options.client_id, client_secret=self.options.client_secret,
            scopes=list(BOT_SCOPES), installation_store=self.installations,
            installation_store_bot_only=True, state_store=DbStateStore(self.store.db),
            redirect_uri=f"{base}/slack/oauth_redirect" if base else None)
        return AsyncApp(oauth_settings=settings, installation_store=self.installations, **common)

    async def _check_token(self, client: AsyncWebClient) -> None:
        """``auth.test``: a refused token is Fatal; Slack out of reach is retried with backoff
        (1 s doubling to a minute), each attempt logged in one line."""
        delay, failures = START_RETRY_FIRST, 0
        while True:
            try:
                await client.auth_test()
                return
            except SlackApiError as exc:
                error, status = str(exc.response.get("error") or ""), exc.response.status_code
                if error in REFUSED:
                    raise Fatal(f"Slack refused the bot token ({error}); check "
                                "WARMLINE_SLACK_BOT_TOKEN (OAuth & Permissions → Bot User OAuth "
                                "Token)") from None
                if status < 500 and status != 429:
                    raise Fatal(f"Slack refused auth.test ({error})") from None
                why = f"Slack answered {status}"
            except NETWORK_ERRORS as exc:
                why = type(exc).__name__
            failures += 1
            log.warning("cannot reach Slack (%s, attempt %d); retrying in %.0fs", why, failures,
                        delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, START_RETRY_MAX)

    async def _serve_http(self, app: AsyncApp) -> None:
        runner = web.AppRunner(app.web_app(path=EVENTS_PATH), access_log=None,
                               handle_signals=False)
        await runner.setup()
        self._runner = runner
        site = web.TCPSite(runner, self.options.host, self.options.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or ()
        self.port = sockets[0].getsockname()[1] if sockets else self.options.port
        log.info("slack: listening for events on port %s%s (%s)", self.port, EVENTS_PATH,
                 "OAuth installs" if self.options.oauth else "one workspace")

    def _watch_refusals(self, handler: AsyncSocketModeHandler) -> None:
        """slack-sdk reconnects Socket Mode by itself, forever: after Slack refuses the
        app-level token (revoked, the app deleted) it would log an error every few seconds and
        stay up, deaf. Its URL request is wrapped so that a refusal after the start fails the
        adapter for good (``failed``), and the runtime stops with the platform exit code."""
        client = handler.client
        issue = client.issue_new_wss_url

        async def issue_new_wss_url() -> str:
            try:
                url: str = await issue()
            except SlackApiError as exc:
                error = str(exc.response.get("error") or "")
                if error in REFUSED and self._socket is handler and not self.failed.is_set():
                    self.failure = Fatal(f"Slack refused the app-level token ({error}); check "
                                         "WARMLINE_SLACK_APP_TOKEN and start Warmline again")
                    log.error("%s", self.failure)
                    client.auto_reconnect_enabled = False
                    self.failed.set()
                raise
            return url

        client.issue_new_wss_url = issue_new_wss_url  # type: ignore[method-assign]

    async def _connect_socket(self, handler: AsyncSocketModeHandler) -> None:
        try:
            await handler.connect_async()  # type: ignore[no-untyped-call]
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            raise Fatal(f"Slack refused the app-level token ({error}); check "
                        "WARMLINE_SLACK_APP_TOKEN (Basic Information → App-Level Tokens, "
                        "scope connections:write)") from None
        except NETWORK_ERRORS as exc:
            raise Transient(f"cannot reach Slack for Socket Mode ({type(exc).__name__})") from None
        log.info("slack: connected in Socket Mode")

    async def stop(self) -> None:
        """Disconnect and close everything the adapter owns. Safe to call twice."""
        await self._outbound.close()
        self._interactions.clear()
        socket, self._socket = self._socket, None
        if socket is not None:
            with contextlib.suppress(Exception):
                await socket.close_async()  # type: ignore[no-untyped-call]
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        await self._inbound.groups.close()
        seen, self._inbound.seen = self._inbound.seen, None
        if seen is not None:  # nothing more arrives: the last message ids are written
            await seen.close()
        self.app = None
        self._clients.clear()
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    # -- workspaces ---------------------------------------------------------------------------

    async def _client_for(self, team: str | None) -> AsyncWebClient:
        """The Web API client for ``team``: the one bot token, or the workspace's install."""
        if not self.options.oauth:
            client = self._clients.get(None)
            if client is None:
                raise Transient("the Slack adapter is not started")
            return client
        client = self._clients.get(team)
        if client is not None:
            return client
        if self.installations is None:
            raise Transient("the Slack adapter is not started")
        bot = await self.installations.async_find_bot(enterprise_id=None, team_id=team)
        if bot is None or not bot.bot_token:
            raise Fatal(f"Warmline is not installed in Slack workspace {team}")
        client = self.web_client(bot.bot_token)
        self._clients[team] = client
        return client

    async def _uninstall(self, enterprise_id: str | None, team_id: str | None) -> None:
        """The workspace removed Warmline (or revoked its token): forget the installation and
        delete everything kept about the workspace."""
        if self.installations is not None:
            await self.installations.async_delete_all(enterprise_id=enterprise_id,
                                                      team_id=team_id)
        self._clients.pop(team_id, None)
        deleted = False
        if self.store is not None and team_id:
            deleted = await self.store.delete_community(PLATFORM, team_id)
        log.info("slack: workspace %s uninstalled Warmline; its data %s", team_id,
                 "was deleted" if deleted else "was not kept here")

    async def _publish_home(self, pending: Pending) -> None:
        sections = [text for text in pending.home or () if text]
        await self._outbound.publish_home(pending.team, pending.user,
                                          home_view(sections, self.table.one_tap()))

    # -- outbound -----------------------------------------------------------------------------

    async def send(self, action: Action) -> SendResult:
        """Perform one action. Raises only ``bot.adapter`` errors."""
        return await self._outbound.send(action)
