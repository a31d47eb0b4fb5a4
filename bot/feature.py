"""What a feature (check-ins, listening, boundaries, safety, privacy) looks like to the core.

A feature declares its commands and job kinds and decides: given an event (or a due job) and a
context, it returns neutral actions. It never calls an adapter and never sleeps. The core routes:
- ``CommandInvoked`` to the feature that declared that command name;
- ``ButtonPressed`` / ``FormSubmitted`` to the feature named by the prefix of ``action`` / ``form``
  before the first ``.`` (``"checkin.mood"`` → the ``checkin`` feature);
- every other event to every feature, in order.
Adapters build their slash commands, options and autocomplete from :class:`CommandSpec`, so a new
command needs no adapter change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.actions import Action
from bot.clock import Clock
from bot.events import Event
from bot.model import Claim, Community, Member
from bot.store.base import Store

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.texts import TextCatalogue


@dataclass(frozen=True, slots=True, kw_only=True)
class ArgSpec:
    name: str
    description: str
    required: bool = True
    kind: str = "text"
    """``text`` | ``int`` | ``timezone`` (autocompleted) | ``time`` (HH:MM) | ``days`` | ``channel``
    | ``role`` | ``choice`` (one of ``choices``)."""
    choices: tuple[str, ...] = ()
    max_length: int = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandSpec:
    name: str
    """Space-separated path: ``"checkin join"`` is ``/checkin join`` on Discord and
    ``/warmline checkin join`` on Slack."""
    description: str
    args: tuple[ArgSpec, ...] = ()
    moderator_only: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """Everything a feature may use to decide. Built per event or job by the core.

    Read-only, ``extra`` included: for plain messages the core shares one context per community
    (``member`` is None there; a feature that needs the author asks ``store.members``)."""

    store: Store
    clock: Clock
    texts: TextCatalogue
    settings: Settings
    platform: str
    community: Community
    member: Member | None = None
    is_moderator: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def t(self, key: str, **params: Any) -> str:
        """Render a catalogue text in the community's locale, with moderator overrides."""
        locale = str(self.community.settings.get("locale", "")) or None
        overrides = self.community.settings.get("texts")
        return self.texts.render(
            key, locale=locale, overrides=overrides if isinstance(overrides, dict) else None,
            **params,
        )


JobRunner = Callable[[Claim, Context], Awaitable[Sequence[Action]]]


@dataclass(frozen=True, slots=True, kw_only=True)
class JobKind:
    """How one kind of scheduled job runs.

    ``expiry``: an occurrence older than this when finally claimed (after downtime) is skipped
    and recorded as ``skipped: expired`` instead of being sent late. None means always run.
    """

    run: JobRunner
    expiry: timedelta | None = None


class Feature(Protocol):
    """A feature may also define ``async def on_thread_started(ref, thread_id, ctx)``: the core
    calls it after a ``StartThread`` it asked for went out, with the platform's id of the thread."""

    name: str

    def commands(self) -> Sequence[CommandSpec]: ...

    def job_kinds(self) -> Mapping[str, JobKind]: ...

    async def on_event(self, event: Event, ctx: Context) -> Sequence[Action]: ...


def all_commands(features: Sequence[Feature]) -> list[CommandSpec]:
    """Every command the features offer, in feature order."""
    return [spec for feature in features for spec in feature.commands()]
