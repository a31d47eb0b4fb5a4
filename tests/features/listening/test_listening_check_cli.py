"""The contract of ``warmline listening check [--json]``: lines in, exactly one result line per reply out.

Input lines are plain text or ``{"text": ..., "context": ...}``; blank lines are skipped; a line
that starts with ``{`` but is not a usable JSON object is reported (with its line number) on the
error stream and the run goes on. The return value is 0.
"""

from __future__ import annotations

import io
import json

from bot.features.listening.analysis import analyse
from bot.features.listening.check_cli import run_check


def run(text: str, *, as_json: bool) -> tuple[int, list[str], str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_check(io.StringIO(text), out, as_json=as_json, err=err)
    return code, out.getvalue().splitlines(), err.getvalue()


def test_json_output_is_one_line_per_input_with_exactly_the_documented_keys() -> None:
    code, lines, err = run("You should rest.\nThat sounds so hard. How are you?\n", as_json=True)
    assert code == 0 and err == ""
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert list(first) == ["nudge", "cues", "signals", "suggestion"]
    assert first["nudge"] is True
    assert [list(c) for c in first["cues"]] == [["kind", "match", "why"]]
    assert first["cues"][0]["kind"] == "advice" and first["cues"][0]["match"] == "You should"
    assert second["nudge"] is False and second["cues"] == [] and second["suggestion"] == ""
    assert all(list(s) == ["kind", "match"] for s in second["signals"])


def test_json_output_is_the_analysers_own_verdict() -> None:
    _code, lines, _err = run("dont worry ur gonna be fine\n", as_json=True)
    assert json.loads(lines[0]) == analyse("dont worry ur gonna be fine").to_json()


def test_a_json_input_line_passes_its_context_as_the_share() -> None:
    happy = json.dumps({"text": "You should celebrate!", "context": "I got the job!!!"})
    sad = json.dumps({"text": "You should celebrate!", "context": "I failed my exam and feel awful"})
    _code, lines, _err = run(f"{happy}\n{sad}\n", as_json=True)
    assert [json.loads(line)["nudge"] for line in lines] == [False, True]


def test_plain_and_json_lines_can_be_mixed_and_blank_lines_are_skipped() -> None:
    sorry = json.dumps({"text": "I'm so sorry."})
    text = "\n".join(["lol same, anyway did u see the game", "", "   ", sorry])
    code, lines, err = run(text + "\n", as_json=True)
    assert code == 0 and err == ""
    assert [json.loads(line)["nudge"] for line in lines] == [True, False]


def test_a_bad_json_line_is_reported_with_its_number_and_the_run_continues() -> None:
    text = (
        'You should rest.\n{"text": "broken\n{"context": "no text here"}\n'
        '["not", "an object"]\nCheer up!\n'
    )
    code, lines, err = run(text, as_json=True)
    assert code == 0
    assert "line 2:" in err and "line 3:" in err
    # a line that does not start with "{" is plain text, even if it looks like JSON
    assert len(lines) == 3
    assert [json.loads(line)["nudge"] for line in lines] == [True, False, True]


def test_human_output_is_one_short_line_per_input() -> None:
    code, lines, err = run("You should rest.\nThat sounds hard. What happened?\n", as_json=False)
    assert code == 0 and err == ""
    assert len(lines) == 2
    assert lines[0].startswith("nudge: advice") and "Try:" in lines[0]
    assert lines[1].startswith("ok:") and "reflection" in lines[1]


def test_windows_line_endings_and_a_missing_final_newline_are_fine() -> None:
    _code, lines, _err = run("You should rest.\r\nI'm so sorry.", as_json=True)
    assert [json.loads(line)["nudge"] for line in lines] == [True, False]
