"""Point 4: language settings are used. A community's own language (``warmline setup language``),
else ``[community] locale``, else ``[texts] locale``, else English.

Only English ships, so these scenarios run with a test catalogue: a complete pseudo-locale ``xx``
whose every text is the English one in ⟦brackets⟧, and a partial ``yy``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Settings, default_settings
from bot.sim.simulate import Simulation, simulation
from bot.texts import ENGLISH, TextCatalogue
from tests.helpers.checkins import MONDAY, command, only, world

_shipped_load = TextCatalogue.load.__func__  # type: ignore[attr-defined]


def _with_test_locales(
    cls: type[TextCatalogue], overrides: Mapping[str, str] | None = None, *,
    default_locale: str = ENGLISH,
) -> TextCatalogue:
    shipped = _shipped_load(cls, overrides, default_locale=default_locale)
    known = shipped.keys()  # a method of the catalogue, which is not itself a mapping
    english = {key: shipped.raw(key, ENGLISH) or "" for key in known}
    pseudo = {key: f"⟦{text}⟧" for key, text in english.items()} | {"language.name": "Pseudo"}
    partial = {"common.not_moderator": "Nur Moderatoren."}
    return TextCatalogue({ENGLISH: english, "xx": pseudo, "yy": partial}, overrides,
                         default_locale=default_locale)


@pytest.fixture(autouse=True)
def test_locales(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TextCatalogue, "load", classmethod(_with_test_locales))


def _settings(*, community: str = "", texts: str = "en") -> Settings:
    base = default_settings()
    return replace(base, community=replace(base.community, locale=community),
                   texts=replace(base.texts, locale=texts))


@asynccontextmanager
async def _started(db: Path, settings: Settings) -> AsyncIterator[Simulation]:
    async with simulation(db=db, settings=settings, start=MONDAY) as s:
        await world(s)
        yield s


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[Simulation]:
    async with _started(tmp_path / "lang.db", _settings()) as s:
        yield s


async def _join_text(s: Simulation) -> str:
    return str(only(await command(s, "sam", "checkin join"))["text"])


async def test_a_community_that_chose_a_language_gets_its_texts_in_it(sim: Simulation) -> None:
    assert not (await _join_text(sim)).startswith("⟦")
    await command(sim, "sam", "checkin leave")
    done = only(await command(sim, "mod", "warmline setup language", language="xx"))["text"]
    assert done == "⟦Done: I'll speak Pseudo in this community from now on. This change is in the " \
                   "audit log.⟧"
    joined = await _join_text(sim)
    assert joined.startswith("⟦You're signed up for check-ins.")
    community = await sim.bot.store.communities.get(1)
    assert community is not None and community.settings["locale"] == "xx"
    (entry,) = await sim.bot.store.audit.recent(1, limit=1)
    assert (entry["action"], entry["detail"], entry["actor"]) == ("setup language", "xx", "mod")


async def test_the_deployment_locales_are_used_when_the_community_has_none(tmp_path: Path) -> None:
    async with _started(tmp_path / "a.db", _settings(community="xx")) as s:
        assert (await _join_text(s)).startswith("⟦You're signed up")
    async with _started(tmp_path / "b.db", _settings(texts="xx")) as s:
        assert (await _join_text(s)).startswith("⟦You're signed up")


async def test_the_community_choice_wins_over_the_deployment_locale(tmp_path: Path) -> None:
    async with _started(tmp_path / "c.db", _settings(community="xx", texts="xx")) as s:
        await command(s, "mod", "warmline setup language", language="en")
        assert (await _join_text(s)).startswith("You're signed up")


async def test_an_unknown_or_incomplete_language_is_refused_politely(sim: Simulation) -> None:
    for wanted in ("klingon", "yy"):
        text = only(await command(sim, "mod", "warmline setup language", language=wanted))["text"]
        assert text.startswith(f"I can't switch to “{wanted}”: I only use a language once")
        assert text.endswith("You can choose English (en), Pseudo (xx).")
    assert await sim.bot.store.audit.recent(1) == []
    community = await sim.bot.store.communities.get(1)
    assert community is not None and "locale" not in community.settings
    assert not (await _join_text(sim)).startswith("⟦")


async def test_members_cannot_choose_the_language(sim: Simulation) -> None:
    text = only(await command(sim, "sam", "warmline setup language", language="xx"))["text"]
    assert text.startswith("Only moderators")


async def test_texts_that_belong_to_no_community_use_the_deployment_locale(tmp_path: Path) -> None:
    """A direct message from someone in no community here gets the deployment's language."""
    async with simulation(db=tmp_path / "none.db", settings=_settings(texts="xx"),
                          start=MONDAY) as s:
        answers = await s.run_line({"event": {"type": "command", "user": "stranger",
                                              "community": None, "name": "warmline help"}})
        (answer,) = [sent.action for sent in answers]
        assert answer.text.startswith("⟦")  # type: ignore[attr-defined]
