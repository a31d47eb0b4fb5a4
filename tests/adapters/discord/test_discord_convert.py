"""The pure translations: custom ids, text splitting, command paths, form values."""

from __future__ import annotations

import pytest

from adapters.discord.convert import (
    CUSTOM_ID_MAX,
    CustomIdTooLong,
    command_path,
    decode_custom_id,
    encode_custom_id,
    form_values,
    split_text,
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


def test_short_text_is_left_alone() -> None:
    assert split_text("hello", 2000) == ["hello"]
    assert split_text("", 2000) == [""]


def test_long_text_is_split_on_paragraphs_first() -> None:
    para = ("A sentence about the day. " * 30).strip()  # ~780 characters
    text = "\n\n".join([para, para, para])
    pieces = split_text(text, 2000)
    assert [len(p) <= 2000 for p in pieces] == [True, True]
    assert pieces[0] == "\n\n".join([para, para])
    assert pieces[1] == para


def test_without_paragraphs_it_splits_after_a_sentence() -> None:
    text = "Short one. " * 300
    pieces = split_text(text.strip(), 500)
    assert all(len(p) <= 500 for p in pieces)
    assert all(p.endswith(".") for p in pieces)
    assert " ".join(pieces) == text.strip()


def test_an_unbroken_word_is_cut_hard_and_nothing_is_lost() -> None:
    text = "x" * 4500
    pieces = split_text(text, 2000)
    assert [len(p) for p in pieces] == [2000, 2000, 500]
    assert "".join(pieces) == text


def test_a_nested_slash_command_becomes_the_cores_space_separated_name() -> None:
    data = {
        "name": "warmline",
        "options": [
            {
                "name": "setup",
                "type": 2,
                "options": [
                    {
                        "name": "channel",
                        "type": 1,
                        "options": [
                            {"name": "purpose", "type": 3, "value": "support"},
                            {"name": "channel", "type": 7, "value": "3000"},
                        ],
                    }
                ],
            }
        ],
    }
    path = command_path(data)
    assert path.name == "warmline setup channel"
    assert path.args == {"purpose": "support", "channel": "3000"}
    assert path.focused is None


def test_autocomplete_names_the_focused_option() -> None:
    data = {
        "name": "checkin",
        "options": [
            {
                "name": "timezone",
                "type": 1,
                "options": [{"name": "zone", "type": 3, "value": "par", "focused": True}],
            }
        ],
    }
    path = command_path(data)
    assert (path.name, path.focused, path.args) == ("checkin timezone", "zone", {"zone": "par"})


def test_form_values_are_read_from_rows_and_labels() -> None:
    components = [
        {"type": 1, "components": [{"type": 4, "custom_id": "note", "value": "ok"}]},
        {"type": 18, "component": {"type": 4, "custom_id": "goal", "value": "walk"}},
    ]
    assert form_values(components) == {"note": "ok", "goal": "walk"}
