"""The features: each owns its handlers, texts, settings, repository and migrations."""
