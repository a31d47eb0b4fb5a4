"""Discord's form limits: a text-input label holds 45 characters. The catalogue keeps every
label within it (tests/features/checkins/test_form_labels.py); should a longer one ever come, the
adapter cuts it at a word with "…", never mid-word."""

from __future__ import annotations

import discord

from adapters.discord.views import INPUT_LABEL_MAX, WarmlineModal, fit_label
from bot.actions import Form, FormField


def test_a_long_form_label_is_cut_at_a_word_never_mid_word() -> None:
    long = "Anything you would like to add here? Only you will ever see it."
    cut = fit_label(long, INPUT_LABEL_MAX)
    assert len(cut) <= INPUT_LABEL_MAX and cut.endswith("…")
    assert long.startswith(cut[:-1]) and long[len(cut) - 1] == " "
    assert fit_label("short", INPUT_LABEL_MAX) == "short"
    assert fit_label("x" * 60, INPUT_LABEL_MAX) == "x" * (INPUT_LABEL_MAX - 1) + "…"
    modal = WarmlineModal(Form(id="f", title="t", fields=(FormField(id="a", label=long),)))
    (text_input,) = modal.children
    assert isinstance(text_input, discord.ui.TextInput)
    assert text_input.to_component_dict()["label"] == cut
