"""IANA timezone names: the one place that says whether a name is a zone, and the closest names to
what someone typed.

Why a module of its own: the same rule and the same suggestions serve the config checker
(``default_timezone``), every timezone command, the simulator and the Discord adapter's
autocomplete, so a zone accepted in one place is accepted everywhere, and a person sees the same
"Did you mean …?" wherever they type one.
"""

from __future__ import annotations

import difflib
import functools
import zoneinfo
from collections.abc import Sequence


@functools.cache
def _zones() -> frozenset[str]:
    """The IANA names this machine knows (from the tzdata package or the system). Cached: it
    scans the zone database, and the answer does not change while the process runs."""
    return frozenset(zoneinfo.available_timezones())


def valid_zone(zone: str) -> bool:
    """True for a name in the IANA database this machine knows. A set lookup, never a file
    path: names like ``America`` (a folder), ``localtime`` or ``../etc/passwd`` are refused."""
    return zone in _zones()


@functools.cache
def _zone_index() -> tuple[dict[str, str], dict[str, list[str]]]:
    by_name: dict[str, str] = {}
    by_city: dict[str, list[str]] = {}
    for zone in sorted(_zones(), key=_zone_rank):
        by_name[zone.lower()] = zone
        city = zone.rsplit("/", 1)[-1].lower()
        by_city.setdefault(city, []).append(zone)
    return by_name, by_city


def _zone_rank(zone: str) -> tuple[int, str]:
    """Prefer the canonical Region/City names people should type over legacy aliases."""
    legacy = zone.startswith(("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Mexico/", "Chile/"))
    return (1 if legacy or "/" not in zone else 0, zone)


def timezone_suggestions(value: str, limit: int = 3) -> list[str]:
    """The IANA names closest to what someone typed, best first (case-insensitive; matches the
    city part too, so ``"paris"`` → ``["Europe/Paris"]``). Empty when nothing is close."""
    typed = "_".join(value.strip().lower().replace("\\", "/").split())
    if not typed or limit <= 0:
        return []
    by_name, by_city = _zone_index()
    found: list[str] = []

    def add(zones: Sequence[str]) -> None:
        for zone in zones:
            if zone not in found:
                found.append(zone)

    exact = [by_name[typed]] if typed in by_name else []
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
