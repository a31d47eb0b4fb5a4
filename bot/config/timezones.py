"""IANA timezone names: the one place that says whether a name is a zone, and the closest names to
what someone typed.

Why a module of its own: the same rule and the same suggestions serve the config checker
(``default_timezone``), every timezone command, the simulator and the Discord adapter's
autocomplete, so a zone accepted in one place is accepted everywhere, and a person sees the same
"Did you mean …?" wherever they type one.

Why some IANA names are refused: people type what their clock shows ("EST", "GMT+1"), and the
database has names that look like those but mean something else. ``EST`` is a fixed UTC−5 with no
daylight saving time, so a New Yorker who picks it gets every check-in an hour late all summer;
``Etc/GMT+1`` is UTC−1 (POSIX signs run backwards), two hours off for someone in Paris. Those names
are refused, and the suggestions turn offsets and abbreviations into the city zones people mean.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

__all__ = ["timezone_suggestions", "valid_zone"]

# In the database but misleading as a choice: EST, MST and HST are fixed offsets with no daylight
# saving time (a New Yorker who picks EST is an hour off all summer); EST5EDT and kin, and CET,
# EET, MET and WET, are POSIX-era abbreviations, not places; and GMT, which someone in London
# types meaning London time, has no summer time.
_MISLEADING = frozenset({
    "EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT",
    "CET", "EET", "MET", "WET",
    "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich",
})
# Not zones at all: the machine's own setting, a test zone, and copies of the database.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_NOT_ZONE_PREFIXES = ("posix/", "right/", "SystemV/")

# ``Etc/GMT+1`` is UTC−1. Never suggested: someone who typed "+1" must not be offered it.
_POSIX_OFFSET_ZONE = re.compile(r"Etc/GMT[+-]\d+")

# Nothing longer can be close to a zone name (the longest is 32 characters). Checked before any
# matching, so a pasted paragraph costs nothing.
_LONGEST_TYPED = 64

# "GMT+1", "UTC+2", "UTC-05:30", "+0530", "utc +2", "UTC−3" (with a real minus sign).
_OFFSET = re.compile(
    r"(?:(?:utc|gmt)\s*)?(?P<sign>[+\-−–])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?",
    re.IGNORECASE,
)

# Well-known city zones, offered for an offset when their offset now equals it. Within one
# offset the list order is the suggestion order, so the best-known come first. A zone moves
# between offsets with daylight saving time; that is the point of computing it for "now".
_CITY_ZONES: tuple[str, ...] = (
    "Pacific/Pago_Pago", "Pacific/Niue", "Pacific/Honolulu", "Pacific/Tahiti", "Pacific/Marquesas",
    "America/Anchorage", "Pacific/Gambier",
    "America/Los_Angeles", "America/Vancouver", "America/Tijuana",
    "America/Denver", "America/Phoenix", "America/Edmonton",
    "America/Chicago", "America/Mexico_City", "America/Winnipeg", "America/Guatemala",
    "America/Costa_Rica",
    "America/New_York", "America/Toronto", "America/Bogota", "America/Lima", "America/Panama",
    "America/Halifax", "America/Santiago", "America/Caracas", "America/La_Paz",
    "America/Puerto_Rico", "America/Santo_Domingo", "America/Manaus",
    "America/St_Johns",
    "America/Sao_Paulo", "America/Argentina/Buenos_Aires", "America/Montevideo",
    "America/Noronha", "America/Nuuk", "Atlantic/South_Georgia",
    "Atlantic/Azores", "Atlantic/Cape_Verde",
    "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Africa/Accra", "Atlantic/Reykjavik",
    "Africa/Dakar", "Africa/Abidjan",
    "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome", "Europe/Amsterdam",
    "Europe/Brussels", "Europe/Stockholm", "Europe/Warsaw", "Europe/Vienna", "Europe/Zurich",
    "Europe/Prague", "Africa/Lagos", "Africa/Algiers", "Africa/Casablanca",
    "Europe/Athens", "Europe/Helsinki", "Europe/Kyiv", "Europe/Bucharest", "Africa/Cairo",
    "Africa/Johannesburg", "Asia/Jerusalem", "Asia/Beirut",
    "Europe/Istanbul", "Europe/Moscow", "Asia/Riyadh", "Africa/Nairobi", "Asia/Baghdad",
    "Asia/Qatar",
    "Asia/Tehran",
    "Asia/Dubai", "Asia/Baku", "Asia/Tbilisi", "Asia/Yerevan", "Indian/Mauritius",
    "Asia/Kabul",
    "Asia/Karachi", "Asia/Tashkent", "Asia/Almaty", "Asia/Yekaterinburg", "Indian/Maldives",
    "Asia/Kolkata", "Asia/Colombo",
    "Asia/Kathmandu",
    "Asia/Dhaka", "Asia/Bishkek", "Asia/Omsk",
    "Asia/Yangon",
    "Asia/Bangkok", "Asia/Jakarta", "Asia/Ho_Chi_Minh", "Asia/Novosibirsk",
    "Asia/Shanghai", "Asia/Singapore", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Manila",
    "Australia/Perth", "Asia/Kuala_Lumpur",
    "Australia/Eucla",
    "Asia/Tokyo", "Asia/Seoul", "Asia/Jayapura",
    "Australia/Adelaide", "Australia/Darwin",
    "Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane", "Pacific/Guam",
    "Asia/Vladivostok", "Pacific/Port_Moresby",
    "Australia/Lord_Howe",
    "Pacific/Noumea", "Pacific/Guadalcanal", "Asia/Magadan",
    "Pacific/Auckland", "Pacific/Fiji", "Asia/Kamchatka",
    "Pacific/Chatham",
    "Pacific/Tongatapu", "Pacific/Apia", "Pacific/Fakaofo",
    "Pacific/Kiritimati",
)

# What people type for the time on their clock, and the zones that keep it through the year.
# Ambiguous ones list each reading, the most common first (IST: India, Ireland, Israel).
_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "ET": ("America/New_York", "America/Toronto"),
    "EST": ("America/New_York", "America/Toronto"),
    "EDT": ("America/New_York", "America/Toronto"),
    "EST5EDT": ("America/New_York", "America/Toronto"),
    "CT": ("America/Chicago", "America/Winnipeg"),
    "CST": ("America/Chicago", "America/Mexico_City", "Asia/Shanghai"),
    "CDT": ("America/Chicago", "America/Winnipeg"),
    "CST6CDT": ("America/Chicago", "America/Winnipeg"),
    "MT": ("America/Denver", "America/Edmonton"),
    "MST": ("America/Denver", "America/Phoenix", "America/Edmonton"),
    "MDT": ("America/Denver", "America/Edmonton"),
    "MST7MDT": ("America/Denver", "America/Edmonton"),
    "PT": ("America/Los_Angeles", "America/Vancouver"),
    "PST": ("America/Los_Angeles", "America/Vancouver"),
    "PDT": ("America/Los_Angeles", "America/Vancouver"),
    "PST8PDT": ("America/Los_Angeles", "America/Vancouver"),
    "AKST": ("America/Anchorage",),
    "AKDT": ("America/Anchorage",),
    "HST": ("Pacific/Honolulu",),
    "HAST": ("Pacific/Honolulu",),
    "AST": ("America/Halifax", "America/Puerto_Rico", "Asia/Riyadh"),
    "ADT": ("America/Halifax",),
    "NST": ("America/St_Johns",),
    "NDT": ("America/St_Johns",),
    "BRT": ("America/Sao_Paulo",),
    "ART": ("America/Argentina/Buenos_Aires",),
    "GMT": ("Europe/London", "Europe/Dublin", "UTC"),
    "BST": ("Europe/London",),
    "WET": ("Europe/Lisbon",),
    "WEST": ("Europe/Lisbon",),
    "CET": ("Europe/Paris", "Europe/Berlin", "Europe/Madrid"),
    "CEST": ("Europe/Paris", "Europe/Berlin", "Europe/Madrid"),
    "MET": ("Europe/Paris", "Europe/Berlin", "Europe/Madrid"),
    "EET": ("Europe/Athens", "Europe/Helsinki", "Europe/Bucharest"),
    "EEST": ("Europe/Athens", "Europe/Helsinki", "Europe/Bucharest"),
    "MSK": ("Europe/Moscow",),
    "TRT": ("Europe/Istanbul",),
    "WAT": ("Africa/Lagos",),
    "CAT": ("Africa/Maputo", "Africa/Harare"),
    "EAT": ("Africa/Nairobi",),
    "SAST": ("Africa/Johannesburg",),
    "GST": ("Asia/Dubai",),
    "PKT": ("Asia/Karachi",),
    "IST": ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),
    "NPT": ("Asia/Kathmandu",),
    "ICT": ("Asia/Bangkok", "Asia/Ho_Chi_Minh"),
    "WIB": ("Asia/Jakarta",),
    "SGT": ("Asia/Singapore",),
    "HKT": ("Asia/Hong_Kong",),
    "PHT": ("Asia/Manila",),
    "KST": ("Asia/Seoul",),
    "JST": ("Asia/Tokyo",),
    "AWST": ("Australia/Perth",),
    "ACST": ("Australia/Adelaide", "Australia/Darwin"),
    "ACDT": ("Australia/Adelaide",),
    "AEST": ("Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane"),
    "AEDT": ("Australia/Sydney", "Australia/Melbourne"),
    "NZST": ("Pacific/Auckland",),
    "NZDT": ("Pacific/Auckland",),
}


@functools.cache
def _zones() -> frozenset[str]:
    """The names accepted as zones: the IANA names this machine knows (from the tzdata package or
    the system) less the misleading ones and the ones that are not zones. Cached: it scans the
    zone database, and the answer does not change while the process runs."""
    return frozenset(zone for zone in zoneinfo.available_timezones() if _acceptable(zone))


def _acceptable(zone: str) -> bool:
    return not (zone in _MISLEADING or zone in _NOT_ZONES or zone.startswith(_NOT_ZONE_PREFIXES))


def valid_zone(zone: str) -> bool:
    """True for a name in the IANA database this machine knows, except the misleading ones
    (``EST``, ``PST8PDT``, ``GMT``, …) and the ones that are not zones (``localtime``,
    ``Factory``, ``posix/…``, ``right/…``). A set lookup, never a file path: names like
    ``America`` (a folder) or ``../etc/passwd`` are refused."""
    return zone in _zones()


@functools.cache
def _zone_index() -> tuple[dict[str, str], dict[str, list[str]]]:
    """Lower-cased full names and city parts of the zones that may be suggested."""
    by_name: dict[str, str] = {}
    by_city: dict[str, list[str]] = {}
    for zone in sorted((z for z in _zones() if not _POSIX_OFFSET_ZONE.fullmatch(z)), key=_zone_rank):
        by_name[zone.lower()] = zone
        city = zone.rsplit("/", 1)[-1].lower()
        by_city.setdefault(city, []).append(zone)
    return by_name, by_city


@functools.cache
def _lower_names() -> dict[str, str]:
    """Every accepted name by its lower-case spelling, suggested or not (no two differ only in
    case)."""
    return {zone.lower(): zone for zone in _zones()}


def _zone_rank(zone: str) -> tuple[int, str]:
    """Prefer the canonical Region/City names people should type over legacy aliases."""
    legacy = zone.startswith(("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Mexico/", "Chile/"))
    return (1 if legacy or "/" not in zone else 0, zone)


def timezone_suggestions(value: str, limit: int = 3, now: datetime | None = None) -> list[str]:
    """The zones someone who typed ``value`` most likely meant, best first; empty when nothing is
    close. Every suggestion passes :func:`valid_zone`.

    - an offset (``GMT+1``, ``UTC-05:30``, ``+0530``): well-known city zones whose offset at
      ``now`` (an aware datetime; default the current time) is that offset. Cities, not
      ``Etc/GMT-1``: a city keeps its daylight saving time, and ``Etc`` signs run backwards.
    - an abbreviation (``EST``, ``PST``, ``IST``, ``AEDT``): the city zones that keep that time
      through the year.
    - anything else: IANA names close to it, case-insensitive, matching the city part too
      (``"paris"`` → ``["Europe/Paris"]``), canonical names before legacy aliases.
    """
    stripped = value.strip()
    if not stripped or limit <= 0 or len(stripped) > _LONGEST_TYPED:
        return []
    offset = _OFFSET.fullmatch(stripped)
    if offset is not None:
        return _zones_at_offset(offset, now)[:limit]
    abbreviation = "".join(stripped.upper().split())
    if abbreviation in _ABBREVIATIONS:
        return [zone for zone in _ABBREVIATIONS[abbreviation] if valid_zone(zone)][:limit]
    return _close_names(stripped, limit)


def _zones_at_offset(offset: re.Match[str], now: datetime | None) -> list[str]:
    """The city zones at a typed offset right now. "Now" because that is what the person read
    off their clock: in January "GMT+1" is Paris, in July it is London."""
    hours, minutes = int(offset["hours"]), int(offset["minutes"] or 0)
    sign = 1 if offset["sign"] == "+" else -1
    wanted = timedelta(hours=hours, minutes=minutes) * sign
    if minutes >= 60 or not timedelta(hours=-12) <= wanted <= timedelta(hours=14):
        return []
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    found = [
        zone for zone in _CITY_ZONES
        if valid_zone(zone) and now.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset() == wanted
    ]
    return [*found, "UTC"] if not wanted else found


def _close_names(value: str, limit: int) -> list[str]:
    typed = "_".join(value.lower().replace("\\", "/").split())
    by_name, by_city = _zone_index()
    found: list[str] = []

    def add(zones: Sequence[str]) -> None:
        for zone in zones:
            if zone not in found:
                found.append(zone)

    # An exact name in other letter case is what they typed: offered even if it is never
    # suggested otherwise (``etc/gmt+1`` → ``Etc/GMT+1``, the sign as typed).
    exact = [_lower_names()[typed]] if typed in _lower_names() else []
    city = typed.rsplit("/", 1)[-1]
    add(by_city.get(city, []))
    add([by_name[m] for m in difflib.get_close_matches(typed, list(by_name), n=limit, cutoff=0.75)])
    add([z for m in difflib.get_close_matches(city, list(by_city), n=limit, cutoff=0.75)
         for z in by_city[m]])
    if not found and not exact:
        loose = difflib.get_close_matches(typed, list(by_name), n=limit, cutoff=0.6)
        add([by_name[m] for m in loose])
    # An exact (case-insensitive) name wins; then canonical Region/City names before legacy aliases.
    ranked = sorted(
        (z for z in found if z not in exact), key=lambda z: (_zone_rank(z)[0], found.index(z))
    )
    return [*exact, *ranked][:limit]
