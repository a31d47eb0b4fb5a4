"""A real SQLite store on a file under tmp_path for every store test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.model import Community, Member
from bot.store.store import CoreStore, open_sqlite

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "warmline.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[CoreStore]:
    opened = await open_sqlite(db_path)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def community(store: CoreStore) -> Community:
    return await store.communities.ensure("discord", "guild-1", "Harbour")


@pytest.fixture
async def member(store: CoreStore, community: Community) -> Member:
    return await store.members.ensure(community.id, "user-1", display_name="Ada", now=T0)
