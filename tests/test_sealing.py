"""Sealing: what a sealed value protects against, and where keys come from."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.sealing import (
    CannotOpen,
    DataKey,
    KeyProblem,
    Keyring,
    describe_mode,
    is_sealed,
    load_keyring,
    new_key,
    open_in_export,
    sealed_key_id,
)

ENV = ("WARMLINE_DATA_KEY", "WARMLINE_DATA_KEY_OLD")
KEY_A, KEY_B = new_key(), new_key()


def ring(current: str | None, *old: str) -> Keyring:
    return Keyring(None if current is None else DataKey.parse(current, "test"),
                   [DataKey.parse(k, "test") for k in old])


def test_a_sealed_note_opens_for_its_member_and_purpose_only() -> None:
    keys = ring(KEY_A)
    sealed = keys.seal("slept badly", purpose="checkin.note", member_id=7)
    assert is_sealed(sealed) and "slept" not in sealed
    assert sealed_key_id(sealed) == keys.current_id
    assert keys.open(sealed, member_id=7, purpose="checkin.note") == "slept badly"
    with pytest.raises(CannotOpen):  # moved to another member's row
        keys.open(sealed, member_id=8)
    with pytest.raises(CannotOpen):  # read back as another kind of text
        keys.open(sealed, member_id=7, purpose="checkin.goal")
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(CannotOpen):
        keys.open(tampered, member_id=7)


def test_the_same_text_seals_differently_each_time() -> None:
    keys = ring(KEY_A)
    first = keys.seal("same", purpose="p", member_id=1)
    assert first != keys.seal("same", purpose="p", member_id=1)


def test_an_old_key_still_opens_and_reseal_moves_to_the_current_one() -> None:
    old = ring(KEY_A).seal("walk twice", purpose="checkin.goal", member_id=3)
    rotating = ring(KEY_B, KEY_A)
    assert rotating.open(old, member_id=3) == "walk twice"
    moved = rotating.reseal(old, member_id=3, purpose="checkin.goal")
    assert moved is not None and sealed_key_id(moved) == rotating.current_id
    assert rotating.reseal(moved, member_id=3, purpose="checkin.goal") is None
    with pytest.raises(CannotOpen, match="not configured"):
        ring(KEY_B).open(old, member_id=3)


def test_without_a_key_nothing_is_sealed_and_plain_text_reads_as_it_is() -> None:
    keys = ring(None)
    assert not keys.can_seal
    assert keys.open("from before", member_id=1) == "from before"
    with pytest.raises(CannotOpen):
        keys.seal("x", purpose="p", member_id=1)
    assert "NOT kept" in describe_mode(keys)
    assert ring(KEY_A).current_id in describe_mode(ring(KEY_A))


def test_a_bad_key_names_where_it_came_from_and_never_shows_it() -> None:
    secret = "not-a-key-but-still-a-secret"
    with pytest.raises(KeyProblem) as caught:
        load_keyring(key=secret, old_keys=None, key_file="", env_names=ENV)
    assert "WARMLINE_DATA_KEY" in str(caught.value) and "warmline keys new" in str(caught.value)
    assert secret not in str(caught.value)
    assert KEY_A not in repr(ring(KEY_A)) and KEY_A not in repr(DataKey.parse(KEY_A, "x"))


def test_keys_from_the_environment_with_old_ones() -> None:
    keys = load_keyring(key=KEY_B, old_keys=f"{KEY_A}, ", key_file="", env_names=ENV)
    assert keys.current_id == DataKey.parse(KEY_B, "x").id
    assert keys.old_ids == (DataKey.parse(KEY_A, "x").id,)
    with pytest.raises(KeyProblem, match="WARMLINE_DATA_KEY_OLD is set but"):
        load_keyring(key=None, old_keys=KEY_A, key_file="", env_names=ENV)


def test_a_key_file_readable_by_everyone_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "data.key"
    path.write_text(f"{KEY_B}\n# the old one\n{KEY_A}\n", encoding="ascii")
    path.chmod(0o644)
    with pytest.raises(KeyProblem) as caught:
        load_keyring(key=None, old_keys=None, key_file=str(path), env_names=ENV)
    message = str(caught.value)
    assert "privacy.key_file" in message and f"chmod 600 {path}" in message
    assert "0644" in message and KEY_A not in message and KEY_B not in message
    path.chmod(0o600)
    keys = load_keyring(key=None, old_keys=None, key_file=str(path), env_names=ENV)
    assert keys.current_id == DataKey.parse(KEY_B, "x").id and len(keys.old_ids) == 1


def test_a_key_file_and_the_environment_together_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.key"
    path.write_text(KEY_A, encoding="ascii")
    path.chmod(0o600)
    with pytest.raises(KeyProblem, match="use one of them"):
        load_keyring(key=KEY_B, old_keys=None, key_file=str(path), env_names=ENV)
    with pytest.raises(KeyProblem, match="no such file"):
        load_keyring(key=None, old_keys=None, key_file=str(tmp_path / "nope"), env_names=ENV)


def test_an_export_gets_the_members_own_text_back() -> None:
    keys = ring(KEY_A)
    mine = keys.seal("mine", purpose="checkin.note", member_id=1)
    theirs = keys.seal("theirs", purpose="checkin.note", member_id=2)
    tables = {"checkin_prompts": [{"note": mine, "mood": 2}, {"note": theirs, "mood": 3}]}
    assert open_in_export(tables, keys, 1, "locked") == 1
    assert [r["note"] for r in tables["checkin_prompts"]] == ["mine", "locked"]
