"""Communities, members, channels, seen events and the audit log on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.model import Community, Member
from bot.store.store import CoreStore

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # the conftest's "now" for the member fixture


async def test_ensure_community_is_idempotent_and_keeps_the_id(store: CoreStore) -> None:
    first = await store.communities.ensure("discord", "g1", "Harbour")
    again = await store.communities.ensure("discord", "g1")
    renamed = await store.communities.ensure("discord", "g1", "Harbour Club")
    assert first.id == again.id == renamed.id
    assert again.name == "Harbour"  # no name given: keep the old one
    assert renamed.name == "Harbour Club"
    other_platform = await store.communities.ensure("slack", "g1")
    assert other_platform.id != first.id


async def test_get_find_and_list_communities(store: CoreStore) -> None:
    a = await store.communities.ensure("discord", "g1")
    b = await store.communities.ensure("slack", "T1", "Team")
    assert await store.communities.get(a.id) == a
    assert await store.communities.get(9999) is None
    assert await store.communities.find("slack", "T1") == b
    assert await store.communities.find("slack", "nope") is None
    assert await store.communities.list() == [a, b]


async def test_settings_merge_and_none_removes_a_key(store: CoreStore,
                                                     community: Community) -> None:
    await store.communities.update_settings(community.id, {"locale": "en", "quiet": "22:00-07:00"})
    updated = await store.communities.update_settings(
        community.id, {"locale": None, "texts": {"hello": "Hi"}}
    )
    assert updated.settings == {"quiet": "22:00-07:00", "texts": {"hello": "Hi"}}
    assert (await store.communities.get(community.id)) == updated
    with pytest.raises(LookupError):
        await store.communities.update_settings(9999, {"a": 1})


async def test_member_ensure_is_unique_per_community(store: CoreStore,
                                                     community: Community) -> None:
    first = await store.members.ensure(community.id, "u1", display_name="Ada", now=T0)
    again = await store.members.ensure(community.id, "u1", now=T0 + timedelta(days=1))
    assert again.id == first.id
    assert again.display_name == "Ada"
    assert again.created_at == T0  # created once
    assert first.roles == () and first.reachable is True and first.timezone is None


async def test_member_lookups(store: CoreStore, community: Community) -> None:
    other = await store.communities.ensure("discord", "guild-2")
    slack = await store.communities.ensure("slack", "T1")
    a = await store.members.ensure(community.id, "u1", now=T0)
    b = await store.members.ensure(other.id, "u1", now=T0)
    await store.members.ensure(slack.id, "u1", now=T0)
    c = await store.members.ensure(community.id, "u2", now=T0)
    assert await store.members.get(a.id) == a
    assert await store.members.get(9999) is None
    assert await store.members.find(community.id, "u2") == c
    assert await store.members.find(community.id, "nobody") is None
    assert await store.members.find_everywhere("discord", "u1") == [a, b]
    assert await store.members.list(community.id) == [a, c]


async def test_member_update_changes_only_named_fields(store: CoreStore,
                                                       member: Member) -> None:
    updated = await store.members.update(
        member.id, timezone="Europe/London", quiet_hours="22:00-07:00",
        roles=["supporter", "moderator"], reachable=False, unreachable_reason="dms-closed",
    )
    assert updated.timezone == "Europe/London"
    assert updated.roles == ("supporter", "moderator")
    assert updated.reachable is False and updated.unreachable_reason == "dms-closed"
    assert updated.display_name == member.display_name
    assert await store.members.get(member.id) == updated
    assert await store.members.update(member.id) == updated
    with pytest.raises(TypeError, match="no field"):
        await store.members.update(member.id, platform_user_id="someone-else")
    with pytest.raises(LookupError):
        await store.members.update(9999, timezone="UTC")


async def test_channels_by_purpose(store: CoreStore, community: Community) -> None:
    await store.channels.set_purpose(community.id, "support", "c1")
    await store.channels.set_purpose(community.id, "checkins", "c2")
    await store.channels.set_purpose(community.id, "support", "c3")  # replaces
    assert await store.channels.for_purpose(community.id, "support") == "c3"
    assert await store.channels.all(community.id) == {"checkins": "c2", "support": "c3"}
    await store.channels.set_purpose(community.id, "checkins", None)
    assert await store.channels.for_purpose(community.id, "checkins") is None
    assert await store.channels.all(community.id) == {"support": "c3"}


async def test_seen_events_deduplicate_per_platform_and_prune(store: CoreStore) -> None:
    assert await store.seen.first_time("slack", "Ev1", T0) is True
    assert await store.seen.first_time("slack", "Ev1", T0 + timedelta(seconds=5)) is False
    assert await store.seen.first_time("discord", "Ev1", T0) is True
    assert await store.seen.first_time("slack", "Ev2", T0 + timedelta(hours=2)) is True
    assert await store.seen.prune(T0 + timedelta(hours=1)) == 2
    assert await store.seen.first_time("slack", "Ev1", T0 + timedelta(hours=3)) is True
    assert await store.seen.first_time("slack", "Ev2", T0 + timedelta(hours=3)) is False


async def test_audit_log_newest_first_and_limited(store: CoreStore,
                                                  community: Community) -> None:
    for n in range(5):
        await store.audit.record(community.id, "mod-1", "set", f"setting {n}",
                                 T0 + timedelta(minutes=n))
    recent = await store.audit.recent(community.id, limit=3)
    assert [r["detail"] for r in recent] == ["setting 4", "setting 3", "setting 2"]
    assert recent[0]["at"] == T0 + timedelta(minutes=4)
    assert recent[0]["actor"] == "mod-1" and recent[0]["action"] == "set"
    other = await store.communities.ensure("slack", "T9")
    assert await store.audit.recent(other.id) == []


@pytest.mark.sqlite_only  # SQLite itself (PRAGMA, query plans, the file)
async def test_data_survives_reopening_the_file(store: CoreStore, member: Member) -> None:
    from bot.store.store import open_sqlite

    reopened = await open_sqlite(store.path)
    try:
        assert await reopened.members.get(member.id) == member
    finally:
        await reopened.close()
