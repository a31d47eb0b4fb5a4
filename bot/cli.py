"""The ``warmline`` command.

Exit codes (:class:`bot.exit_codes.ExitCode`, listed with their messages in docs/operations.md):
0 success; 1 the run failed; 2 bad usage or configuration (the message says which key and how to
fix it); 3 the database file cannot be used; 4 another Warmline runs on the same database; 5 the
platform refused or an adapter failed for good; 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot import __version__
from bot.config import ConfigError, Settings, load_settings, not_yet_supported
from bot.exit_codes import ExitCode

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = ExitCode.OK, ExitCode.FAILED, ExitCode.CONFIG


def _settings(path: str | None) -> Settings:
    return load_settings(Path(path) if path else None)


def _config_error(exc: ConfigError) -> int:
    print(f"warmline: the configuration has a problem:\n{exc}", file=sys.stderr)
    return EXIT_CONFIG


SettingsCommand = Callable[[argparse.Namespace, Settings], int]


def with_settings(command: SettingsCommand) -> Callable[[argparse.Namespace], int]:
    """Load ``--config`` first; a bad file ends the command with its problems and exit code 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            settings = _settings(args.config)
        except ConfigError as exc:
            return _config_error(exc)
        return command(args, settings)

    return run


def _cannot_serve(settings: Settings, *, adapters: bool) -> int | None:
    """Refuse what this release cannot run (PostgreSQL, a missing platform library) with
    the same lines in ``check-config`` and ``run``, so check-config never says OK to a file that
    ``run`` would then fail on."""
    problems = not_yet_supported(settings)
    if adapters:
        from bot.run import missing_extras

        problems += missing_extras(settings)
    if not problems:
        return None
    for problem in problems:
        print(f"warmline: {problem}", file=sys.stderr)
    return EXIT_CONFIG


@with_settings
def cmd_check_config(args: argparse.Namespace, settings: Settings) -> int:
    from bot.run import configured_adapters

    if (refused := _cannot_serve(settings, adapters=True)) is not None:
        return refused
    from bot.sealing import describe_mode, keyring_for

    adapters = ", ".join(configured_adapters(settings)) or "none"
    print(f"{args.config}: OK (store {settings.store.redacted_url}; adapters: {adapters})")
    print(describe_mode(keyring_for(settings.privacy)))  # loaded once already: it cannot fail
    print(f"retention: notes, goals and safety records are purged after "
          f"{settings.privacy.retention_days} days")
    return EXIT_OK


def cmd_keys_new(args: argparse.Namespace) -> int:
    from bot.sealing import new_key

    print(new_key())
    return EXIT_OK


@with_settings
def cmd_keys_rotate(args: argparse.Namespace, settings: Settings) -> int:
    """Re-seal every sealed column with the current key, in batches, while Warmline runs."""
    import time

    from bot.features.registry import FEATURES
    from bot.sealing import keyring_for
    from bot.store.open import StoreRefused, open_store
    from bot.store.sealed import ResealCount, count_not_current, reseal

    if (refused := _cannot_serve(settings, adapters=False)) is not None:
        return refused
    keyring = keyring_for(settings.privacy)
    if not keyring.can_seal:
        print("warmline: keys rotate needs the new key as the current one: set WARMLINE_DATA_KEY "
              "(or the first line of privacy.key_file) to it, and the old key in "
              "WARMLINE_DATA_KEY_OLD (or the next line of the file); see docs/operations.md",
              file=sys.stderr)
        return EXIT_CONFIG
    columns = [column for feature in FEATURES for column in feature.sealed]

    async def go() -> tuple[ResealCount, int]:
        store = await open_store(settings.store.url)
        try:
            total = ResealCount()
            for column in columns:
                done = await reseal(store.db, column, keyring, batch=args.batch)
                print(f"{column.name}: {done.resealed} re-sealed, {done.sealed_plain} plain "
                      f"sealed, {done.unreadable} unreadable")
                total.add(done)
            left = 0
            for column in columns:
                left += await count_not_current(store.db, column, keyring)
            return total, left
        finally:
            await store.close()

    started = time.monotonic()
    try:
        total, left = asyncio.run(go())
    except StoreRefused as exc:
        print(f"warmline: {exc}", file=sys.stderr)
        return ExitCode.DATABASE
    took = time.monotonic() - started
    print(f"done in {took:.1f}s: {total.resealed + total.sealed_plain} values now sealed with key "
          f"{keyring.current_id}; {left} not (yet) sealed with it")
    if left:
        print("warmline: some values are still sealed with an old key or cannot be opened; keep "
              "the old keys configured and run keys rotate again (values written by a Warmline "
              "that still had the old key as its current one are caught by the next run)",
              file=sys.stderr)
        return EXIT_FAILED
    print("every value is sealed with the current key: the old keys can be removed now")
    return EXIT_OK


@with_settings
def cmd_db_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.features.registry import build_features
    from bot.store.open import StoreRefused, open_store

    if (refused := _cannot_serve(settings, adapters=False)) is not None:
        return refused

    async def go() -> dict[str, int]:
        store = await open_store(settings.store.url)
        try:
            await build_features(settings, store)  # each feature migrates its own tables
            return await store.schema_versions()
        finally:
            await store.close()

    try:
        versions = asyncio.run(go())
    except StoreRefused as exc:
        print(f"warmline: {exc}", file=sys.stderr)
        return ExitCode.DATABASE
    shown = ", ".join(f"{component} {version}" for component, version in sorted(versions.items()))
    print(f"database {settings.store.redacted_url} is up to date: {shown}")
    return EXIT_OK


def cmd_db_copy(args: argparse.Namespace) -> int:
    from bot.db_commands import cmd_db_copy as copy

    return copy(args)


@with_settings
def cmd_db_backup(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db_commands import cmd_db_backup as backup

    return backup(args, settings.store.url)


@with_settings
def cmd_simulate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.sim.simulate import run_stream

    bad = asyncio.run(run_stream(sys.stdin, sys.stdout, sys.stderr, db=args.db, settings=settings))
    if bad:
        print(f"warmline simulate: {bad} line(s) could not be run (see above)", file=sys.stderr)
    return EXIT_FAILED if bad and args.strict else EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.sim.demo import run_demo

    return asyncio.run(run_demo(sys.stdout))


@with_settings
def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.sim.console import run_console

    return asyncio.run(run_console(settings, db=args.db))


@with_settings
def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.run import run_forever

    if (refused := _cannot_serve(settings, adapters=True)) is not None:
        return refused
    return run_forever(settings)


def cmd_listening_check(args: argparse.Namespace) -> int:
    from bot.features.listening.check_cli import run_check

    return run_check(sys.stdin, sys.stdout, as_json=args.json, err=sys.stderr)


def cmd_safety_check(args: argparse.Namespace) -> int:
    from bot.features.safety.check_cli import run_check

    return run_check(sys.stdin, sys.stdout, as_json=args.json, err=sys.stderr)


PLATFORM_HELPERS = {"discord": "adapters.discord.cli", "slack": "adapters.slack.manifest"}
"""``warmline discord …`` (invite-url) and ``warmline slack …`` (manifest): each adapter's own
command line, loaded only when asked for (the platform library may not be installed)."""


def cmd_platform(args: argparse.Namespace) -> int:
    platform: str = args.platform
    try:
        helper = importlib.import_module(PLATFORM_HELPERS[platform])
    except ImportError as exc:
        print(f"warmline: the {platform.capitalize()} adapter is not installed ({exc}); "
              f"install it with: pip install 'warmline[{platform}]'", file=sys.stderr)
        return EXIT_CONFIG
    code: int = helper.main(args.platform_args)
    return code


def _batch_size(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number from 1 to 10000")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="warmline",
        description="Warmline: a peer-support bot for Discord and Slack.",
    )
    parser.add_argument("--version", action="version", version=f"warmline {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help="run the bot with the adapters named in the config")
    p.add_argument("--config", "-c", default="config.toml", help="path to config.toml")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("check-config", help="validate a config file and exit")
    p.add_argument("--config", "-c", default="config.toml")
    p.set_defaults(func=cmd_check_config)

    db = sub.add_parser("db", help="database maintenance")
    dbsub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    p = dbsub.add_parser("migrate", help="create or upgrade the database schema")
    p.add_argument("--config", "-c", default=None)
    p.set_defaults(func=cmd_db_migrate)
    p = dbsub.add_parser("copy", help="copy a store into another, e.g. SQLite to PostgreSQL "
                         "(everything, or one community), verified by row counts")
    p.add_argument("--from", dest="source", required=True, help="e.g. sqlite:///warmline.db")
    p.add_argument("--to", dest="target", required=True, help="e.g. postgresql://…/warmline")
    p.add_argument("--community", default=None, help="only this community: PLATFORM:ID")
    p.set_defaults(func=cmd_db_copy)
    p = dbsub.add_parser("backup", help="copy the SQLite database to FILE while it runs "
                         "(SQLite's online backup API)")
    p.add_argument("file", type=Path)
    p.add_argument("--config", "-c", default=None)
    p.set_defaults(func=cmd_db_backup)

    keys = sub.add_parser("keys", help="the data key that seals notes and goals")
    keysub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    p = keysub.add_parser("new", help="print a new random data key")
    p.set_defaults(func=cmd_keys_new)
    p = keysub.add_parser("rotate", help="re-seal stored notes and goals with the current key, "
                                         "in batches, while Warmline runs")
    p.add_argument("--config", "-c", default="config.toml")
    p.add_argument("--batch", type=_batch_size, default=500,
                   help="rows per transaction, 1 to 10000 (default 500)")
    p.set_defaults(func=cmd_keys_rotate)

    p = sub.add_parser("simulate", help="run a JSONL scenario from stdin; actions go to stdout")
    p.add_argument("--db", default=None, help="SQLite file to use (default: a temporary file)")
    p.add_argument("--config", "-c", default=None, help="community settings (config.toml)")
    p.add_argument("--strict", action="store_true", help="exit 1 if any line was bad")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("console", help="play members of a community in the terminal")
    p.add_argument("--db", default=None)
    p.add_argument("--config", "-c", default=None)
    p.set_defaults(func=cmd_console)

    p = sub.add_parser("demo", help="play a scripted day in a community and print it")
    p.set_defaults(func=cmd_demo)

    for name, func, what in (
        ("listening", cmd_listening_check, "active-listening analysis of replies"),
        ("safety", cmd_safety_check, "crisis-language scan of messages"),
    ):
        group = sub.add_parser(name, help=f"{what}, for evaluation")
        action = group.add_subparsers(dest=f"{name}_command", metavar="ACTION", required=True)
        p = action.add_parser("check", help="read lines from stdin (text, or {\"text\": …}); "
                                            "write one result per line")
        p.add_argument("--json", action="store_true", help="one JSON object per line")
        p.set_defaults(func=func)

    for platform, what in (("discord", "invite-url"), ("slack", "manifest")):
        p = sub.add_parser(platform, help=f"{platform.capitalize()} helpers ({what})")
        p.add_argument("platform_args", nargs=argparse.REMAINDER)
        p.set_defaults(func=cmd_platform, platform=platform)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "run":
        from bot.early_signals import catch_signals_early

        catch_signals_early()  # before the config is read: see bot.run
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_CONFIG
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    raise SystemExit(main())
