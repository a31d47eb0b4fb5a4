"""Every neutral event and action has a stable JSON form that round-trips exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.actions import (
    ACTIONS,
    AlertModerators,
    Button,
    EditMessage,
    Form,
    FormField,
    OpenForm,
    PostMessage,
    Respond,
    SendDirect,
    SendPrivateNote,
    StartThread,
    action_from_json,
    action_to_json,
)
from bot.events import (
    EVENTS,
    Actor,
    ButtonPressed,
    CommandInvoked,
    DoNotDisturbChanged,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MemberUnreachable,
    MessagePosted,
    event_from_json,
    event_to_json,
)
from bot.jsonform import JsonFormError

AT = datetime(2026, 3, 8, 9, 0, tzinfo=UTC)
BASE = {"platform": "sim", "event_id": "e1", "at": AT, "community": "c1", "user": "sam"}

EVENT_SAMPLES = [
    MessagePosted(**BASE, channel="general", message_id="m1", text="hello", reply_to="m0",
                  reply_to_user="dee", thread="t1", actor=Actor(display_name="Sam", roles=("a",))),
    CommandInvoked(**BASE, name="checkin timezone", args={"zone": "Europe/Paris"}, interaction="i1"),
    ButtonPressed(**BASE, action="checkin.mood", value="p1:3", interaction="i2", message_id="m2"),
    FormSubmitted(**BASE, form="checkin.note", context="p1", values={"note": "long day"}),
    MemberJoined(**BASE, actor=Actor(timezone="Europe/London")),
    MemberLeft(**BASE),
    MemberUnreachable(**BASE, reason="dm_closed"),
    DoNotDisturbChanged(**BASE, active=True, until=AT),
]

BUTTONS = (Button(action="checkin.mood", label="Okay", value="p1:3", emoji="🙂"),)
ACTION_SAMPLES = [
    SendDirect(platform="sim", community="c1", recipient="sam", user="sam", text="Hi", buttons=BUTTONS),
    PostMessage(platform="sim", channel="general", text="Hello", thread="t1", mention="dee"),
    StartThread(platform="sim", channel="general", title="Weekly", text="How was the week?", ref="w1"),
    EditMessage(platform="sim", channel="general", message_id="m9", text="No longer open.",
                buttons=BUTTONS),
    SendPrivateNote(platform="sim", user="dee", channel="general", text="A thought"),
    Respond(platform="sim", interaction="i1", text="Done", private=True, buttons=BUTTONS),
    OpenForm(platform="sim", interaction="i2", form=Form(
        id="checkin.note", title="A note", context="p1",
        fields=(FormField(id="note", label="Anything to add?", multiline=True, max_length=500),),
    )),
    AlertModerators(platform="sim", channel="mods", text="Someone may need help", priority="high",
                    extra={"member": "sam"}),
]


def test_every_registered_type_has_a_sample() -> None:
    assert sorted(EVENTS.name_of(e) for e in EVENT_SAMPLES) == EVENTS.names()
    assert sorted(ACTIONS.name_of(a) for a in ACTION_SAMPLES) == ACTIONS.names()


@pytest.mark.parametrize("event", EVENT_SAMPLES, ids=lambda e: type(e).__name__)
def test_events_round_trip_through_json_text(event: object) -> None:
    text = json.dumps(event_to_json(event))  # type: ignore[arg-type]
    assert event_from_json(json.loads(text)) == event


@pytest.mark.parametrize("action", ACTION_SAMPLES, ids=lambda a: type(a).__name__)
def test_actions_round_trip_through_json_text(action: object) -> None:
    text = json.dumps(action_to_json(action))  # type: ignore[arg-type]
    assert action_from_json(json.loads(text)) == action


def test_json_form_is_flat_and_uses_utc_z_times() -> None:
    data = event_to_json(EVENT_SAMPLES[1])
    assert data["type"] == "command"
    assert data["at"] == "2026-03-08T09:00:00Z"
    assert data["args"] == {"zone": "Europe/Paris"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "nope"}, "unknown event type 'nope'"),
        ({**event_to_json(EVENT_SAMPLES[5]), "colour": "red"}, "unknown field(s) colour"),
        ({"type": "member_left", "platform": "sim", "event_id": "e", "community": None,
          "user": "u"}, "missing field 'at'"),
        ({**event_to_json(EVENT_SAMPLES[5]), "at": "2026-03-08T09:00:00"}, "has no timezone"),
        ({**event_to_json(EVENT_SAMPLES[5]), "user": 7}, "user must be a string"),
        ([1, 2], "must be a JSON object"),
    ],
)
def test_bad_json_is_rejected_with_a_reason(data: object, message: str) -> None:
    with pytest.raises(JsonFormError, match=message.replace("(", r"\(").replace(")", r"\)")):
        event_from_json(data)
