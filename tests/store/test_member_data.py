"""Export and deletion of everything about one member, including tables added later."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.model import Community, Member
from bot.store.store import CoreStore

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

# What a later feature migration looks like: a member-owned table following the convention.
FEATURE_TABLE = """
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    body TEXT NOT NULL
)
"""


async def add_feature_data(store: CoreStore, member: Member, body: str) -> None:
    await store.db.execute("INSERT INTO notes (member_id, body) VALUES (?, ?)",
                               (member.id, body))


async def schedule(store: CoreStore, member: Member) -> int:
    job = await store.jobs.upsert(kind="checkin", subject=f"member:{member.id}",
                                  community_id=member.community_id, member_id=member.id,
                                  rule=None, zone="UTC", next_run=T0, payload={"n": 1})
    return job.id


async def test_export_finds_every_member_table_by_its_member_id_column(
    store: CoreStore, community: Community, member: Member
) -> None:
    await store.db.execute(FEATURE_TABLE)
    other = await store.members.ensure(community.id, "user-2", now=T0)
    await add_feature_data(store, member, "mine")
    await add_feature_data(store, other, "not mine")
    job_id = await schedule(store, member)
    await schedule(store, other)
    await store.jobs.claim_due(T0, 10)

    exported = await store.export_member(member.id)

    assert exported["member"]["id"] == member.id
    assert exported["member"]["platform_user_id"] == "user-1"
    assert exported["schema_versions"] == await store.schema_versions()
    tables = exported["tables"]
    assert [n["body"] for n in tables["notes"]] == ["mine"]
    assert [j["id"] for j in tables["jobs"]] == [job_id]
    assert [(d["job_id"], d["status"]) for d in tables["deliveries"]] == [(job_id, "claimed")]
    json.dumps(exported)  # plain, JSON-ready data


async def test_delete_member_cascades_to_every_member_table(
    store: CoreStore, community: Community, member: Member
) -> None:
    await store.db.execute(FEATURE_TABLE)
    other = await store.members.ensure(community.id, "user-2", now=T0)
    await add_feature_data(store, member, "mine")
    await add_feature_data(store, other, "theirs")
    job_id = await schedule(store, member)
    await schedule(store, other)
    await store.jobs.claim_due(T0, 10)

    await store.delete_member(member.id)

    assert await store.members.get(member.id) is None
    assert await store.db.fetchall("SELECT * FROM notes WHERE member_id = ?", (member.id,)) == []
    assert await store.jobs.get("checkin", f"member:{member.id}") is None
    assert await store.jobs.deliveries(job_id) == []
    left = await store.export_member(other.id)
    assert [n["body"] for n in left["tables"]["notes"]] == ["theirs"]
    assert len(left["tables"]["deliveries"]) == 1


async def test_exporting_an_unknown_member_says_so(store: CoreStore) -> None:
    with pytest.raises(LookupError):
        await store.export_member(12345)
