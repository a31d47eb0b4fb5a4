"""Point 4: every shipped locale is complete, and only complete locales are offered.

A community that chose a language must not get half its messages in English, so a catalogue ships
only when it has every English key with the same placeholders.
"""

from __future__ import annotations

from bot.features.basics import Basics
from bot.texts import TextCatalogue, placeholders_of


def test_every_shipped_locale_has_every_english_key_with_the_same_placeholders() -> None:
    texts = TextCatalogue.load()
    english = texts.keys()
    for locale in texts.locales():
        missing = sorted(english - texts.translated_keys(locale))
        assert not missing, f"{locale} lacks {len(missing)} texts, e.g. {missing[:5]}"
        for key in english:
            text = texts.raw(key, locale)
            assert text is not None
            assert placeholders_of(text) == texts.placeholders(key), f"{locale}:{key}"


def test_incomplete_names_each_missing_key_and_changed_placeholder() -> None:
    catalogue = TextCatalogue({
        "en": {"greet": "Hello, {name}.", "bye": "Goodbye.", "tz": "Now {zone}."},
        "fr": {"greet": "Bonjour, {nom}.", "bye": "Au revoir."},
        "de": {"greet": "Hallo, {name}.", "bye": "Tschüss.", "tz": "Jetzt {zone}."},
    })
    assert catalogue.incomplete("fr") == [
        "fr: greet uses ['nom'], English uses ['name']", "fr: tz is missing",
    ]
    assert catalogue.complete_locales() == ["de", "en"]


def test_the_language_command_offers_only_complete_locales() -> None:
    specs = {spec.name: spec for spec, _ in Basics.handlers.commands.values()}
    (language,) = specs["warmline setup language"].args
    assert language.kind == "choice"
    assert language.choices == tuple(TextCatalogue.load().complete_locales()) == ("en",)
    assert specs["warmline setup language"].moderator_only
