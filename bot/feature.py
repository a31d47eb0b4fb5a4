"""What a feature (check-ins, and later listening, boundaries, safety) looks like to the core.

A feature *declares* each command, button, form, job kind and event it handles, next to the
handler (like discord.py's ``@app_commands.command`` or bolt's ``@app.action``)::

    handlers: Handlers[CheckinRepo] = Handlers("checkin")

    @handlers.command("checkin join", "Start receiving check-ins")
    async def join(event: Event, ctx: Context[CheckinRepo]) -> Sequence[Action]: ...

The core routes from those declarations alone: a command by its name, a button or form by its id,
a due job by its kind, any other event to every handler declared for its type. ``commands()`` and
``job_kinds()`` follow from the same table, so nothing is listed twice. Adapters build their slash
commands, options and autocomplete from :class:`CommandSpec`, so a new command needs no adapter
change.

A feature decides and never sends: handlers return neutral actions. A feature with data owns its
repository (built on the shared :class:`bot.store.db.Db` when the feature is built) and its
migrations (:attr:`Feature.migrations`); its handlers reach the repository as ``ctx.repo``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

from bot.actions import Action
from bot.clock import Clock
from bot.events import ButtonPressed, CommandInvoked, Event, FormSubmitted
from bot.model import Claim, Community, Member
from bot.routing import ChannelRouter, SupportRouter
from bot.store.base import Store
from bot.store.db import Db
from bot.store.migrations import MigrationStream
from bot.store.sealed import SealedColumn

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.texts import TextCatalogue

R = TypeVar("R")
"""A feature's repository type (``None`` for a feature without data)."""
T = TypeVar("T")


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
    message_action: str = ""
    """When set, the command is also an action on a message, under this name (Discord's message
    menu, Slack's message shortcut): the adapter invokes it with ``args`` ``channel`` and
    ``message``, the ids of the chosen message."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Context(Generic[R]):
    """Everything a handler may use to decide. Built per event or job by the core.

    Read-only, ``extra`` included: for plain messages the core shares one context per community
    and feature (``member`` is None there; a handler that needs the author asks
    ``store.members``). ``repo`` is the handling feature's own repository."""

    store: Store
    clock: Clock
    texts: TextCatalogue
    settings: Settings
    platform: str
    community: Community
    repo: R
    member: Member | None = None
    is_moderator: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    router: SupportRouter[Context[Any]] = field(default_factory=ChannelRouter)
    """Where supporter work goes (``bot.routing``): the boundaries feature's router when it is
    on, else the supporters' channel."""

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def bind(self, repo: T) -> Context[T]:
        """The same context, for a feature whose repository is ``repo``."""
        return Context(store=self.store, clock=self.clock, texts=self.texts,
                       settings=self.settings, platform=self.platform, community=self.community,
                       repo=repo, member=self.member, is_moderator=self.is_moderator,
                       extra=self.extra, router=self.router)

    def t(self, key: str, **params: Any) -> str:
        """Render a catalogue text in the community's locale, with moderator overrides.

        The locale is the community's own (``warmline setup language``), else the deployment's
        ``[community] locale``, else ``[texts] locale``, else English: the first one set wins, so a
        deployment can choose a language once and a community can still choose its own."""
        own = self.community.settings.get("locale")
        locale = ((own if isinstance(own, str) else "") or self.settings.community.locale
                  or self.settings.texts.locale or None)
        overrides = self.community.settings.get("texts")
        return self.texts.render(
            key, locale=locale, overrides=overrides if isinstance(overrides, dict) else None,
            **params,
        )


class Later(Sequence[Action]):
    """A runner's actions, decided now and put into words when they are delivered.

    Why: a fan-out's runner decides in the scheduler's unit of work (the rows are written
    there), but building each prompt's text and buttons is pure work on values already known.
    Done at delivery, it runs while the next group's statements wait on the database. ``make``
    must not read or write the store (it runs outside the unit) and must give the same actions
    whenever it runs; it runs once, on first use."""

    __slots__ = ("_made", "_make")

    def __init__(self, make: Callable[[], Sequence[Action]]) -> None:
        self._make: Callable[[], Sequence[Action]] | None = make
        self._made: tuple[Action, ...] = ()

    def _actions(self) -> tuple[Action, ...]:
        if self._make is not None:
            self._made, self._make = tuple(self._make()), None
        return self._made

    @overload
    def __getitem__(self, index: int) -> Action: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Action]: ...

    def __getitem__(self, index: int | slice) -> Action | Sequence[Action]:
        return self._actions()[index]

    def __len__(self) -> int:
        return len(self._actions())


JobRunner = Callable[[Claim, Context[Any]], Awaitable[Sequence[Action]]]
ManyRunner = Callable[[Sequence[tuple[Claim, Context[Any]]]], Awaitable[Sequence[Sequence[Action]]]]
Expiry = timedelta | Callable[[Context[Any]], timedelta | None] | None
"""How late an occurrence may still run: fixed, or decided in the job's context (a community's
moderators may override the config), or None for "always run"."""


@dataclass(frozen=True, slots=True, kw_only=True)
class JobKind:
    """How one kind of scheduled job runs.

    ``expiry``: an occurrence older than this when it is finally run (after downtime) is skipped
    and recorded as ``skipped: expired`` instead of being sent late. The scheduler decides it, in
    one place, once the job's context is known.
    """

    run: JobRunner
    expiry: Expiry = None
    run_many: ManyRunner | None = None
    """Optional: decide several occurrences of this kind in one call, exactly as calling
    ``run`` on each in order would (a fan-out's rows written in one statement). The scheduler
    gives it consecutive started occurrences, each with its own context."""

    def expiry_for(self, ctx: Context[Any]) -> timedelta | None:
        return self.expiry(ctx) if callable(self.expiry) else self.expiry


CommandHandler = Callable[[CommandInvoked, Context[R]], Awaitable[Sequence[Action]]]
ButtonHandler = Callable[[ButtonPressed, Context[R]], Awaitable[Sequence[Action]]]
FormHandler = Callable[[FormSubmitted, Context[R]], Awaitable[Sequence[Action]]]
EventHandler = Callable[[Any, Context[R]], Awaitable[Sequence[Action]]]
StatusCheck = Callable[[Context[R]], Awaitable[Sequence[str]]]
_F = TypeVar("_F", bound=Callable[..., Any])


class Handlers(Generic[R]):
    """One feature's declarations: each handler registered next to its definition.

    Button and form ids start with the feature's name (``"checkin.mood"``), so ids never collide
    between features; a declaration that breaks that, or declares a name twice, fails at import.
    """

    def __init__(self, feature: str) -> None:
        self.feature = feature
        self.commands: dict[str, tuple[CommandSpec, CommandHandler[R]]] = {}
        self.buttons: dict[str, ButtonHandler[R]] = {}
        self.forms: dict[str, FormHandler[R]] = {}
        self.jobs: dict[str, JobKind] = {}
        self.events: dict[type[Event], list[EventHandler[R]]] = {}
        self.creating: set[str] = set()
        """Button and form ids whose press may be someone's first contact (joining, picking up
        a request): only these, and commands, create a member row."""
        self.status: list[StatusCheck[R]] = []

    def command(self, name: str, description: str, *, args: Sequence[ArgSpec] = (),
                moderator_only: bool = False, message_action: str = "") -> Callable[[_F], _F]:
        spec = CommandSpec(name=name, description=description, args=tuple(args),
                           moderator_only=moderator_only, message_action=message_action)

        def declare(handler: _F) -> _F:
            _unique(self.commands, name, "command")
            self.commands[name] = (spec, handler)
            return handler
        return declare

    def button(self, action: str, *, creates_member: bool = False) -> Callable[[_F], _F]:
        def declare(handler: _F) -> _F:
            self._own(action)
            _unique(self.buttons, action, "button")
            self.buttons[action] = handler
            if creates_member:
                self.creating.add(action)
            return handler
        return declare

    def form(self, form: str) -> Callable[[_F], _F]:
        def declare(handler: _F) -> _F:
            self._own(form)
            _unique(self.forms, form, "form")
            self.forms[form] = handler
            return handler
        return declare

    def job(self, kind: str, *, expiry: Expiry = None) -> Callable[[_F], _F]:
        def declare(handler: _F) -> _F:
            self._own(kind)
            _unique(self.jobs, kind, "job kind")
            self.jobs[kind] = JobKind(run=handler, expiry=expiry)
            return handler
        return declare

    def job_many(self, kind: str) -> Callable[[_F], _F]:
        """The ``run_many`` of a job kind declared with :meth:`job` (see :class:`JobKind`)."""
        def declare(handler: _F) -> _F:
            declared = self.jobs.get(kind)
            if declared is None:
                raise ValueError(f"job kind {kind!r} must be declared before its run_many")
            if declared.run_many is not None:
                raise ValueError(f"run_many of job kind {kind!r} is declared twice")
            self.jobs[kind] = replace(declared, run_many=handler)
            return handler
        return declare

    def setup_check(self, check: _F) -> _F:
        """A check of this feature's setup in a community: it returns what is missing, as
        sentences a moderator can act on (``/warmline setup status`` shows them all)."""
        self.status.append(check)
        return check

    def event(self, *types: type[Event]) -> Callable[[_F], _F]:
        """Every event of these types (plain messages, members joining or leaving, …)."""
        def declare(handler: _F) -> _F:
            for kind in types:
                self.events.setdefault(kind, []).append(handler)
            return handler
        return declare

    def _own(self, name: str) -> None:
        if not name.startswith(f"{self.feature}."):
            raise ValueError(f"{name!r} must start with {self.feature + '.'!r}")


def _unique(table: Mapping[str, object], name: str, what: str) -> None:
    if name in table:
        raise ValueError(f"{what} {name!r} is declared twice")


class Feature(Generic[R]):
    """Base of every feature. Subclasses set :attr:`name` and :attr:`handlers`, and, when they
    keep data, :attr:`migrations` and :meth:`make_repo`."""

    name: ClassVar[str]
    handlers: ClassVar[Handlers[Any]]
    migrations: ClassVar[MigrationStream | None] = None
    unknown_answer_key: ClassVar[str] = "common.error_generic"
    """What a person hears after pressing a button of this feature that no longer exists."""
    reads_messages: ClassVar[bool] = False
    """The feature reads what members write (safety, listening). On Discord that needs the
    privileged Message Content intent: it is requested when an enabled feature says so
    (:func:`needs_message_text`)."""

    def __init__(self, *, settings: Settings, repo: R) -> None:
        self.settings = settings
        self.repo = repo

    @classmethod
    def make_repo(cls, db: Db) -> Any:
        """The feature's repository on the shared database (None for a feature without data)."""
        return None

    @classmethod
    async def build(cls, settings: Settings, store: Store) -> Feature[Any]:
        """Migrate the feature's own tables, then build it with its repository."""
        if cls.migrations is not None:
            await store.migrate(cls.migrations)
        return cls(settings=settings, repo=cls.make_repo(store.db))

    def commands(self) -> Sequence[CommandSpec]:
        return [spec for spec, _ in self.handlers.commands.values()]

    def job_kinds(self) -> Mapping[str, JobKind]:
        return dict(self.handlers.jobs)

    def support_router(self) -> SupportRouter[Context[Any]] | None:
        """The router for supporter work, from the one feature that provides it (boundaries)."""
        return None

    async def on_posted(self, ref: str, channel: str, message_id: str, ctx: Context[R]) -> None:
        """A post this feature named (``ref``) went out with the platform's ``message_id``:
        features that edit their posts later remember it here."""

    async def on_thread_started(self, ref: str, thread_id: str, ctx: Context[R]) -> None:
        """A ``StartThread`` this feature asked for went out; ``thread_id`` is the platform's id.
        Features that open threads remember it here."""

    # -- sensitive data (docs/privacy.md) --------------------------------------------------------

    sealed: ClassVar[tuple[SealedColumn, ...]] = ()
    """Columns of member-written text this feature keeps sealed: plain text left from before is
    sealed at start-up, and ``warmline keys rotate`` re-seals them with the current key."""

    async def purge(self, before: datetime, ctx: Context[R]) -> int:
        """Retention: remove this feature's sensitive records (free text, detection records) in
        ``ctx.community`` older than ``before``; return how many rows changed. The daily
        retention job calls it for every feature and community and audits the counts."""
        return 0

    def enabled(self) -> bool:
        """Whether the deployment switched this feature on (its ``[section] enabled``)."""
        return True


def needs_message_text(features: Sequence[Feature[Any]]) -> bool:
    """Whether any enabled feature reads what members write (so the platform must send it)."""
    return any(feature.reads_messages and feature.enabled() for feature in features)


def all_commands(features: Sequence[Feature[Any]]) -> list[CommandSpec]:
    """Every command the features offer, in feature order."""
    return [spec for feature in features for spec in feature.commands()]
