"""Local fakes of the chat platforms, for tests and benchmarks (loopback only, port 0).

Discord: ``tests.fakes.discord_server.FakeDiscord`` (REST + gateway, real discord.py against
it). It is composed of ``discord_world``, ``discord_records``, ``discord_ratelimit``,
``discord_gateway``, ``discord_rest``, ``discord_messages``, ``discord_http``,
``discord_members`` and ``discord_client``; ``discord_server`` re-exports their public names.
Payload builders live in ``tests.fakes.discord_payloads``, a separate-process runner for
benchmarks in ``tests.fakes.run_discord_fake``. Fixtures for tests under ``tests/fakes`` live
in ``tests/fakes/conftest.py``; other test packages copy them (conftest fixtures are only
visible below their directory). Kept import-free so importing one fake never pulls in another.
"""
