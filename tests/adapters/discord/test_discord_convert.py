"""The pure inbound translations: command paths and form values."""

from __future__ import annotations

from adapters.discord.convert import command_path, form_values


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
