"""The text catalogue: lookup order, placeholders, locales, and the shipped English texts."""

from __future__ import annotations

import pytest

from bot.texts import MissingPlaceholder, TextCatalogue, TextError, placeholders_of

REQUIRED_KEYS = {
    "common.error_generic": set(),
    "common.not_moderator": set(),
    "common.unknown_command": set(),
    "common.use_in_server": set(),
    "common.bad_argument": {"arg", "hint"},
    "timezone.unknown": {"value", "suggestions"},
    "checkin.timezone.set": {"zone", "local_time"},
}


@pytest.fixture(scope="module")
def texts() -> TextCatalogue:
    return TextCatalogue.load()


def small(overrides: dict[str, str] | None = None) -> TextCatalogue:
    return TextCatalogue(
        {
            "en": {"greet": "Hello, {name}.", "bye": "Goodbye.", "tz": "Now {zone}."},
            "fr": {"greet": "Bonjour, {name}."},
            "fr-CA": {"bye": "Bye, là."},
        },
        overrides,
    )


# -- what ships -----------------------------------------------------------------------------------


def test_the_general_texts_exist_with_their_placeholders(texts: TextCatalogue) -> None:
    known = texts.keys()
    for key, expected in REQUIRED_KEYS.items():
        assert key in known
        assert texts.placeholders(key) == expected, key


def test_not_moderator_says_what_to_do(texts: TextCatalogue) -> None:
    assert texts.render("common.not_moderator") == (
        "Only moderators can change this. If you think that's a mistake, a moderator can check "
        "your role."
    )


def test_first_contact_is_three_plain_lines(texts: TextCatalogue) -> None:
    """What joining check-ins answers first: what is kept, who sees it, how to delete it."""
    lines = [texts.render(f"checkin.join.{part}") for part in ("what", "who", "delete")]
    assert all("\n" not in line for line in lines)
    assert lines[0].startswith("What is kept:")
    assert lines[1].startswith("Who can see it:")
    assert lines[2].startswith("How to delete it:")


def test_the_voice_is_calm(texts: TextCatalogue) -> None:
    for locale in texts.locales():
        for key in texts.translated_keys(locale):
            text = texts.raw(key, locale) or ""
            assert "!" not in text, f"{locale}:{key} uses an exclamation mark"
            assert text == text.strip(), f"{locale}:{key} has stray whitespace"


def test_only_english_ships_today(texts: TextCatalogue) -> None:
    """A partial catalogue is not shipped (see docs/configuration.md, "Adding a language")."""
    assert texts.locales() == ["en"]
    assert texts.complete_locales() == ["en"]


def test_every_translation_uses_the_same_placeholders_as_english(texts: TextCatalogue) -> None:
    known = texts.keys()
    for locale in texts.locales():
        for key in texts.translated_keys(locale):
            assert key in known, f"{locale} has {key}, which English does not"
            text = texts.raw(key, locale)
            assert text is not None
            assert placeholders_of(text) == texts.placeholders(key), f"{locale}:{key}"


# -- lookup order ---------------------------------------------------------------------------------


def test_a_locale_falls_back_to_english_for_untranslated_keys() -> None:
    catalogue = small()
    assert catalogue.render("greet", locale="fr", name="Sam") == "Bonjour, Sam."
    assert catalogue.render("tz", locale="fr", zone="UTC") == "Now UTC."


def test_a_regional_locale_tries_its_language_then_english() -> None:
    catalogue = small()
    assert catalogue.render("bye", locale="fr-CA") == "Bye, là."
    assert catalogue.render("greet", locale="fr-CA", name="Sam") == "Bonjour, Sam."
    assert catalogue.render("tz", locale="fr-CA", zone="UTC") == "Now UTC."
    assert catalogue.render("greet", locale="de", name="Sam") == "Hello, Sam."


def test_deployment_overrides_win_over_every_locale() -> None:
    catalogue = small({"greet": "Hi {name}."})
    assert catalogue.render("greet", name="Sam") == "Hi Sam."
    assert catalogue.render("greet", locale="fr", name="Sam") == "Hi Sam."


def test_per_call_overrides_win_over_deployment_overrides() -> None:
    catalogue = small({"greet": "Hi {name}."})
    community = {"greet": "Welcome in, {name}."}
    assert catalogue.render("greet", overrides=community, name="Sam") == "Welcome in, Sam."
    assert catalogue.render("bye", overrides=community) == "Goodbye."


def test_per_call_overrides_may_be_nested_like_the_toml(texts: TextCatalogue) -> None:
    community = {"common": {"not_moderator": "Moderators only, sorry."}}
    assert texts.render("common.not_moderator", overrides=community) == "Moderators only, sorry."


def test_a_broken_community_override_is_skipped_not_fatal() -> None:
    catalogue = small()
    for broken in ("Hi {nam}.", "Hi {name", "Hi {name.__class__}."):
        assert catalogue.render("greet", overrides={"greet": broken}, name="Sam") == "Hello, Sam."


def test_the_default_locale_is_used_when_none_is_asked_for() -> None:
    catalogue = TextCatalogue(
        {"en": {"bye": "Goodbye."}, "fr": {"bye": "Au revoir."}}, default_locale="fr"
    )
    assert catalogue.render("bye") == "Au revoir."
    assert catalogue.render("bye", locale="en") == "Goodbye."


# -- placeholders and keys ------------------------------------------------------------------------


def test_an_unknown_key_raises_key_error_naming_it(texts: TextCatalogue) -> None:
    with pytest.raises(KeyError, match=r"checkin\.nope"):
        texts.render("checkin.nope")
    with pytest.raises(KeyError, match=r"checkin\.nope"):
        texts.placeholders("checkin.nope")


def test_a_missing_placeholder_names_the_key_and_the_placeholder(texts: TextCatalogue) -> None:
    with pytest.raises(MissingPlaceholder) as caught:
        texts.render("checkin.timezone.set", zone="Europe/Paris")
    assert isinstance(caught.value, KeyError)
    assert caught.value.key == "checkin.timezone.set"
    assert caught.value.placeholder == "local_time"
    assert str(caught.value) == "text 'checkin.timezone.set' needs a value for {local_time}"


def test_extra_params_are_ignored() -> None:
    assert small().render("bye", name="Sam", zone="UTC") == "Goodbye."


def test_values_are_inserted_as_given_without_being_formatted_again() -> None:
    # A value that looks like a template must come out literally, never be expanded.
    assert small().render("greet", name="{zone}") == "Hello, {zone}."


def test_doubled_braces_are_literal_braces() -> None:
    catalogue = TextCatalogue({"en": {"code": "Use {{braces}} around {name}."}})
    assert catalogue.placeholders("code") == {"name"}
    assert catalogue.render("code", name="x") == "Use {braces} around x."


@pytest.mark.parametrize("template", ["{x.y}", "{x[0]}", "{}", "{0}", "{", "}"])
def test_only_plain_named_placeholders_are_allowed(template: str) -> None:
    with pytest.raises(TextError):
        placeholders_of(template)


# -- deployment overrides are validated -----------------------------------------------------------


def test_an_override_for_an_unknown_key_is_rejected() -> None:
    with pytest.raises(TextError, match=r"common.eror_generic: no such text. Did you mean"):
        TextCatalogue.load({"common.eror_generic": "Oops."})


def test_an_override_must_keep_the_placeholders() -> None:
    with pytest.raises(TextError, match=r"it must include \{local_time\}"):
        TextCatalogue.load({"checkin.timezone.set": "Now {zone}."})
    with pytest.raises(TextError, match=r"it cannot use \{who\}"):
        TextCatalogue.load({"common.error_generic": "Sorry {who}."})


def test_check_override_reports_nothing_for_a_good_override(texts: TextCatalogue) -> None:
    assert texts.check_override("checkin.timezone.set", "{zone}: it's {local_time}.") == []
    assert texts.check_override("common.error_generic", 3)  # not a text


def test_a_catalogue_without_english_is_refused() -> None:
    with pytest.raises(TextError, match="English"):
        TextCatalogue({"fr": {"bye": "Au revoir."}})
