"""The claim keeps each (rule, zone)'s latest and next occurrence while they hold
(``RuleTimes``): whatever order the claims come in, what it gives is what working them out
afresh gives, across DST changes too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.store.jobs import RuleTimes, rule_times

ZONES = ("UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Chatham",
         "Asia/Kolkata")
RULES = ("daily 09:00", "mon-fri 02:30", "weekly sun 01:30", "sat,sun 23:59", "daily 00:00")
START = datetime(2026, 3, 1, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(RULES), st.sampled_from(ZONES),
                          st.integers(min_value=0, max_value=60 * 24 * 70)),
                min_size=1, max_size=60))
def test_kept_times_are_the_times_worked_out_afresh(
    claims: list[tuple[str, str, int]],
) -> None:
    kept = RuleTimes()
    for rule, zone, minutes in claims:
        now = START + timedelta(minutes=minutes)
        assert kept.at(rule, zone, now) == rule_times(rule, zone, now)


def test_a_kept_pair_is_used_until_its_next_occurrence_and_not_at_it() -> None:
    kept = RuleTimes()
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    latest, following = kept.at("daily 09:00", "UTC", now)
    assert following == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert kept.at("daily 09:00", "UTC", following - timedelta(microseconds=1)) == (latest,
                                                                                    following)
    assert kept.at("daily 09:00", "UTC", following) == (following,
                                                        following + timedelta(days=1))
