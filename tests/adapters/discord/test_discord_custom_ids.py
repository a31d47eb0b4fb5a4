"""The custom-id codec: what a button or form carries survives the round trip, and only ours decode."""

from __future__ import annotations

import pytest

from adapters.discord.custom_ids import (
    CUSTOM_ID_MAX,
    CustomIdTooLong,
    decode_custom_id,
    encode_custom_id,
)


def test_a_custom_id_carries_action_and_value_and_comes_back_unchanged() -> None:
    custom_id = encode_custom_id("checkin.mood", "prompt-42:3")
    assert custom_id == "wl:checkin.mood:prompt-42:3"
    assert decode_custom_id(custom_id) == ("checkin.mood", "prompt-42:3")
    assert decode_custom_id(encode_custom_id("checkin.note")) == ("checkin.note", "")


def test_a_custom_id_over_100_characters_fails_loudly() -> None:
    fits = "x" * (CUSTOM_ID_MAX - len("wl:a:"))
    assert len(encode_custom_id("a", fits)) == CUSTOM_ID_MAX
    with pytest.raises(CustomIdTooLong):
        encode_custom_id("a", fits + "y")
    with pytest.raises(ValueError):
        encode_custom_id("has:colon", "1")


def test_other_bots_custom_ids_are_not_ours() -> None:
    assert decode_custom_id("some-other-bot:button") is None
    assert decode_custom_id("wl::missing-action") is None
