"""Many workspaces: Slack's OAuth install through the real bolt app (HTTP mode), the
installation kept in Warmline's own database, each workspace answered with its own token, and
an uninstall deleting everything kept about that workspace."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from adapters.slack.install import MIGRATIONS, DbStateStore
from bot.store.store import open_sqlite
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_payloads import SlackPayloads
from tests.helpers.slack import SlackHarness

GRANT = {
    "app_id": "A111", "authed_user": {"id": "U900"}, "scope": "commands,chat:write",
    "token_type": "bot", "access_token": "xoxb-t999", "bot_user_id": "UBOT9",
    "team": {"id": "T999", "name": "Other"}, "enterprise": None, "is_enterprise_install": False,
}


async def test_an_install_is_stored_used_and_an_uninstall_deletes_the_workspaces_data(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    run = await harness.warmline("oauth.db", bot_token="", client_id="123.456",
                                 client_secret="client-secret")
    adapter = run.adapter
    base = f"http://127.0.0.1:{adapter.port}"
    slack.oauth_codes["code-1"] = GRANT
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/slack/install") as page:
            assert page.status == 200
            state = re.search(r"state=([\w-]+)", await page.text())
            # The state cookie is Secure (https only); the browser of this test sends it anyway.
            cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        assert state is not None
        async with http.get(f"{base}/slack/oauth_redirect", headers={"Cookie": cookie},
                            params={"code": "code-1", "state": state.group(1)}) as done:
            assert done.status == 200, await done.text()
    assert adapter.installations is not None
    assert await adapter.installations.installed() == 1
    bot = await adapter.installations.async_find_bot(enterprise_id=None, team_id="T999")
    assert bot is not None and bot.bot_token == "xoxb-t999"

    other = SlackPayloads(team_id="T999", response_base=f"{slack.base}/response")
    harness.payloads = other
    fields = await harness.post_command(adapter, "probe start", user="U901")
    await slack.wait_until(lambda: slack.responses_to(harness.token(fields)), what="the answer")
    await slack.wait_until(lambda: slack.posts("D901"), what="the probe's DM")
    assert {c.token for c in slack.calls_to("chat.postMessage")} == {"xoxb-t999"}
    community = await run.store.communities.find("slack", "T999")
    assert community is not None and await run.store.members.list(community.id)

    gone = other.event({"type": "app_uninstalled"})
    body, kind = other.json_body(gone)
    assert (await harness.post(adapter, body, kind))[0] == 200

    async def deleted() -> bool:
        return await run.store.communities.find("slack", "T999") is None

    await eventually(deleted, "the workspace's data deleted")
    assert await adapter.installations.installed() == 0
    assert await run.store.members.find_everywhere("slack", "U901") == []
    # (the deployment's own daily retention job belongs to no community, and stays)
    jobs = await run.store.db.fetchone(
        "SELECT COUNT(*) AS n FROM jobs WHERE community_id IS NOT NULL")
    assert jobs is not None and jobs["n"] == 0


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(1000):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def test_an_oauth_state_is_good_once(tmp_path: Path) -> None:
    store = await open_sqlite(tmp_path / "state.db")
    try:
        await store.migrate(MIGRATIONS)
        states = DbStateStore(store.db)
        state = await states.async_issue()
        assert await states.async_consume(state)
        assert not await states.async_consume(state)  # used
        assert not await states.async_consume("forged")
    finally:
        await store.close()


async def test_revoking_the_bot_token_deletes_the_workspace_and_a_user_token_does_not(
    harness: SlackHarness, slack: FakeSlack,
) -> None:
    run = await harness.warmline("revoked.db")
    await harness.ask(run.adapter, "checkin join")
    assert await run.store.communities.find("slack", "T111") is not None
    users_only = {"type": "tokens_revoked", "tokens": {"oauth": ["U222"], "bot": []}}
    assert (await harness.post_event(run.adapter, users_only))[0] == 200
    await slack.wait_until(lambda: run.adapter._inbound.workspace_events == 1, what="handled")
    assert await run.store.communities.find("slack", "T111") is not None
    bot = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}
    assert (await harness.post_event(run.adapter, bot))[0] == 200

    async def deleted() -> bool:
        return await run.store.communities.find("slack", "T111") is None

    await eventually(deleted, "the workspace's data deleted")
    assert await run.store.members.find_everywhere("slack", "U222") == []
