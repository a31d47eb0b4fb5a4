"""Settings moderators change from chat, declared once on top of the config key they override.

Why: a setting such as a check-in's expiry has one default and one rule (1 to 48 hours), written
in the config schema (``bot/config/schema.py``). A moderator's ``/checkin setup expiry_hours:6``
overrides it for one community. A :class:`ChatSetting` names that config key and reuses its
default and its checker, so the command's option, the check of what the moderator typed, and the
value that applies in a community all come from the same place, and cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import Field, dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.config.checks import _Bad, _Choice, _Ctx, _Int
from bot.config.schema import _SECTIONS
from bot.feature import ArgSpec
from bot.model import Community
from bot.numbers import small_int

if TYPE_CHECKING:
    from bot.feature import Context

_ON = frozenset({"on", "yes", "true", "1"})
_OFF = frozenset({"off", "no", "false", "0"})


class BadValue(ValueError):
    """What a moderator typed does not fit the setting; ``reason`` says what would."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatSetting:
    arg: str
    """The command option (``expiry_hours``)."""
    key: str
    """Where a community's own value is kept in its settings (``checkin_expiry_hours``)."""
    section: str
    name: str
    """The config key it overrides: ``[section] name``."""
    description: str

    def _field(self) -> Field[Any]:
        (found,) = [f for f in fields(_SECTIONS[self.section]) if f.name == self.name]
        return found

    @property
    def checker(self) -> Any:
        return self._field().metadata["check"]

    def _check(self, value: Any) -> Any:
        return self.checker(value, _Ctx(), f"{self.section}.{self.name}")

    def default(self, settings: Settings) -> Any:
        return getattr(getattr(settings, self.section), self.name)

    def effective(self, community: Community, settings: Settings) -> Any:
        """The community's value when it has a valid one, else the config's."""
        value = community.settings.get(self.key)
        if value is None:
            return self.default(settings)
        try:
            return self._check(value)
        except _Bad:
            return self.default(settings)

    def parse(self, text: str, settings: Settings) -> Any:
        """What a moderator typed → the value to keep; :class:`BadValue` when it does not fit.
        Digits are ASCII only: ``"²"`` passes ``str.isdigit`` and is still not a number."""
        typed = text.strip()
        default = self.default(settings)
        value: Any = typed
        if isinstance(default, bool):
            lowered = typed.lower()
            if lowered not in _ON | _OFF:
                raise BadValue(self.hint())
            value = lowered in _ON
        elif isinstance(default, int):
            value = small_int(typed, max_digits=6)
            if value is None:
                raise BadValue(self.hint())
        try:
            return self._check(value)
        except _Bad as bad:
            raise BadValue(self.hint() or bad.message) from None

    def hint(self) -> str:
        """What fits, in words: "a whole number of hours from 1 to 48", "dm or thread"."""
        check = self.checker
        if isinstance(check, _Int):
            unit = f" of {check.unit}" if check.unit else ""
            return f"a whole number{unit} from {check.lo} to {check.hi}"
        if isinstance(check, _Choice):
            return " or ".join(check.options)
        if isinstance(self._field().default, bool):
            return "on or off"
        return ""

    def arg_spec(self) -> ArgSpec:
        check = self.checker
        description = (f"{self.description} ({check.lo}-{check.hi})" if isinstance(check, _Int)
                       else self.description)
        if isinstance(check, _Choice):
            return ArgSpec(name=self.arg, description=self.description, kind="choice",
                           choices=check.options, required=False)
        if isinstance(self._field().default, bool):
            return ArgSpec(name=self.arg, description=self.description, kind="choice",
                           choices=("on", "off"), required=False)
        if isinstance(check, _Int):
            return ArgSpec(name=self.arg, description=description, kind="int", required=False)
        return ArgSpec(name=self.arg, description=self.description, required=False)


def shown(value: object) -> str:
    """A setting's value as a moderator reads it in a confirmation and the audit log."""
    return ("on" if value else "off") if isinstance(value, bool) else str(value)


async def save_changes(ctx: Context[Any], user: str, action: str, changes: Mapping[str, object],
                       lines: list[str]) -> Context[Any]:
    """Keep a community's changed settings and write one audit line per change (who, what,
    when); the context with the community as it now is."""
    community = await ctx.store.communities.update_settings(ctx.community.id, dict(changes))
    for line in lines:
        await ctx.store.audit.record(ctx.community.id, user, action, line, ctx.now)
    return replace(ctx, community=community)
