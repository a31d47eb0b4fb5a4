"""Safety: rule-based detection of crisis language (suicidal and self-harm) in chat messages."""
