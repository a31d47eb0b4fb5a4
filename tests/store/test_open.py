"""Opening a store from a URL or a path."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store.base import Store
from bot.store.open import open_store, sqlite_path


async def test_relative_sqlite_url_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store: Store = await open_store("sqlite:///data/relative.db")
    try:
        assert (await store.schema_versions())["core"] >= 1
    finally:
        await store.close()
    assert (tmp_path / "data" / "relative.db").is_file()


@pytest.mark.parametrize("form", ["sqlite:///{}", "{}"])
async def test_absolute_url_and_bare_path(tmp_path: Path, form: str) -> None:
    target = tmp_path / "abs.db"
    assert target.is_absolute()
    store = await open_store(form.format(target))
    try:
        community = await store.communities.ensure("discord", "g1")
        assert community.id >= 1
    finally:
        await store.close()
    assert target.is_file()


def test_four_slashes_mean_an_absolute_path() -> None:
    assert sqlite_path("sqlite:////srv/warmline/bot.db") == Path("/srv/warmline/bot.db")
    assert sqlite_path("sqlite:///bot.db") == Path("bot.db")


@pytest.mark.parametrize("url", ["postgresql://bot@127.0.0.1/warmline", "postgres://x/y"])
def test_a_postgres_url_names_no_sqlite_file(url: str) -> None:
    with pytest.raises(ValueError, match="names no SQLite file"):
        sqlite_path(url)


@pytest.mark.parametrize("url", ["postgresql://127.0.0.1:5432", "postgres:///warmline"])
async def test_a_postgres_url_without_host_or_database_is_refused_with_the_fix(url: str) -> None:
    with pytest.raises(ValueError, match=r"needs a host and a database, e\.g\. postgresql://"):
        await open_store(url)


@pytest.mark.parametrize(
    ("url", "says"),
    [("mysql://x/y", "unsupported store URL scheme"), ("", "empty"),
     ("sqlite:///", "needs a file path"), (":memory:", "needs a file")],
)
def test_other_urls_are_refused_with_a_reason(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        sqlite_path(url)
