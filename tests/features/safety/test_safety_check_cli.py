"""The contract of ``warmline safety check [--json]``: lines in, one verdict per message out."""

from __future__ import annotations

import io
import json

import pytest

from bot.features.safety.check_cli import run_check


def check(text: str, *, as_json: bool) -> tuple[int, list[str], list[str]]:
    out, err = io.StringIO(), io.StringIO()
    code = run_check(io.StringIO(text), out, as_json=as_json, err=err)
    return code, out.getvalue().splitlines(), err.getvalue().splitlines()


def test_json_mode_writes_one_json_verdict_per_message() -> None:
    code, out, err = check("I took 30 ibuprofen\nthese meetings are killing me\n", as_json=True)
    assert code == 0 and err == []
    first, second = (json.loads(line) for line in out)
    assert first["crisis"] is True and first["tier"] == "imminent"
    assert first["matches"] and {"kind", "text"} == set(first["matches"][0])
    assert second == {"crisis": False, "tier": "none", "matches": [], "third_party": False}


def test_lines_may_be_plain_text_or_json_objects_with_a_text_field() -> None:
    _, out, _ = check('{"text": "my brother told me he has a plan"}\nkms\n', as_json=True)
    brother, kms = (json.loads(line) for line in out)
    assert brother["crisis"] and brother["third_party"] and brother["tier"] == "imminent"
    assert kms["tier"] == "active" and not kms["third_party"]


def test_blank_lines_are_skipped_but_still_counted() -> None:
    code, out, err = check("\n   \nI want to kill myself\n\n{bad\n", as_json=False)
    assert code == 0
    assert out == ['line 3: CRISIS active: ideation "kill myself"']
    assert err and err[0].startswith("line 5:")


def test_a_malformed_json_line_is_reported_with_its_number_and_the_run_continues() -> None:
    code, out, err = check('{"text": "fine"}\n{"text": broken\n{"text": 7}\nI want to die\n', as_json=True)
    assert code == 0
    assert len(out) == 2 and json.loads(out[1])["tier"] == "passive"
    assert err[0].startswith("line 2: malformed JSON")
    assert err[1].startswith("line 3:") and "text" in err[1]


def test_malformed_lines_go_to_stderr_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert run_check(["{nope", "hello"], out, as_json=False) == 0
    assert "line 1: malformed JSON" in capsys.readouterr().err
    assert out.getvalue() == "line 2: no crisis\n"


def test_the_human_line_is_short_and_names_the_cues_not_the_message() -> None:
    _, out, _ = check("my friend said she wants to end it, she has been so low\n", as_json=False)
    assert out == ['line 1: CRISIS active, about someone else: ideation "end it"']
    assert "so low" not in out[0]


def test_windows_line_endings_and_unicode_are_fine() -> None:
    _, out, _ = check("I wish I could just disappear\r\n💊💊💊 goodbye\r\n", as_json=True)
    assert [json.loads(line)["tier"] for line in out] == ["passive", "imminent"]


def test_an_empty_input_writes_nothing_and_returns_zero() -> None:
    assert check("", as_json=True) == (0, [], [])
