"""The `spoc` command line: chat, run, nlu parse|train|eval, db upgrade, tickets list|show."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from bot.clock import SystemClock
from bot.config.loader import ConfigError, load_desk_config
from bot.settings import Settings
from storage.migrate import DatabaseNotReady

EXIT_FAILURE = 1
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    # The HTTP client under python-telegram-bot logs each request's URL, and the Bot API carries the bot
    # token in the URL's path: those lines never show, not even with --verbose.
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.run(args) or 0)
    except ConfigError as error:
        print(f"spoc: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ValidationError as error:
        # A setting from the environment or .env with a value it cannot have.
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors())
        print(f"spoc: configuration error: {problems}", file=sys.stderr)
        return EXIT_USAGE
    except DatabaseNotReady as error:
        print(f"spoc: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except OperationalError as error:
        print(f"spoc: cannot use the database: {error.orig or error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spoc", description="SPOC, the service desk's chat bot")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(title="commands")

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument(
        "--as", dest="person", default="alice", help="whom plain lines come from (default: alice)"
    )
    chat.set_defaults(run=_chat)

    run = commands.add_parser("run", help="run the bot on every configured channel")
    run.set_defaults(run=_run)

    nlu = commands.add_parser("nlu", help="the language understanding").add_subparsers(title="nlu commands")
    parse = nlu.add_parser(
        "parse", help="read texts from stdin, one per line; write one JSON object per line"
    )
    parse.set_defaults(run=_nlu_parse)
    train = nlu.add_parser("train", help="train the built-in model again and cache it")
    train.add_argument("--data", type=Path, default=None, help="training data folder (default: bundled)")
    train.set_defaults(run=_nlu_train)
    evaluate = nlu.add_parser(
        "eval", help="held-out and cross-validated precision, recall, F1, confusions and errors"
    )
    evaluate.add_argument("--data", type=Path, default=None, help="training data folder (default: bundled)")
    evaluate.add_argument(
        "--eval-dir", type=Path, default=None, help="held-out texts, never trained on (default: nlu/eval)"
    )
    evaluate.add_argument("--folds", type=int, default=5, help="cross-validation folds (default: 5)")
    sections = evaluate.add_mutually_exclusive_group()
    sections.add_argument("--heldout-only", action="store_true", help="skip the cross-validation report")
    sections.add_argument("--cv-only", action="store_true", help="skip the held-out report")
    evaluate.add_argument("--json", action="store_true", help="one JSON object with both sections")
    evaluate.add_argument("--check", action="store_true", help="exit 1 when a held-out goal is missed")
    evaluate.set_defaults(run=_nlu_eval)

    evaluation = commands.add_parser("eval", help="measure the bot").add_subparsers(title="eval commands")
    conversations = evaluation.add_parser(
        "conversations", help="whole conversations through the terminal channel, each on a fresh database"
    )
    conversations.add_argument(
        "--dir", type=Path, default=Path("tests/conversations"), help="conversation files (*.yml)"
    )
    conversations.add_argument("--json", action="store_true", help="one JSON object, with every failure")
    conversations.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    conversations.set_defaults(run=_eval_conversations)

    db = commands.add_parser("db", help="the database").add_subparsers(title="db commands")
    db.add_parser("upgrade", help="apply the schema migrations").set_defaults(run=_db_upgrade)

    tickets = commands.add_parser("tickets", help="look at tickets").add_subparsers(title="tickets commands")
    listing = tickets.add_parser("list", help="list tickets")
    listing.add_argument("--status", default=None)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_tickets_list)
    show = tickets.add_parser("show", help="one ticket with its history")
    show.add_argument("ticket")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=_tickets_show)
    return parser


def _chat(args: argparse.Namespace) -> int:
    from bot.terminal import chat

    return chat(Settings(), args.person, sys.stdin, sys.stdout)


def _run(args: argparse.Namespace) -> int:
    from bot.runner import run

    return run(Settings(), sys.stdin, sys.stdout)


def _nlu_parse(args: argparse.Namespace) -> int:
    # As the bot understands it: the configured backend, with the desk's catalogue, time zone and clock.
    from bot.app import desk_entities, load_nlu
    from nlu.cli import cmd_parse
    from nlu.pipeline import NluPipeline

    settings = Settings()
    entities = desk_entities(load_desk_config(settings.spoc_config), SystemClock())
    return cmd_parse(sys.stdin, sys.stdout, NluPipeline(load_nlu(settings), entities))


def _nlu_train(args: argparse.Namespace) -> int:
    from nlu.cli import cmd_train

    settings = Settings()
    return cmd_train(
        args.data, Path(settings.spoc_cache_dir) if settings.spoc_cache_dir else None, sys.stdout
    )


def _nlu_eval(args: argparse.Namespace) -> int:
    from nlu.cli import cmd_eval

    settings = Settings()
    return cmd_eval(
        args.data,
        args.folds,
        sys.stdout,
        args.json,
        eval_dir=args.eval_dir,
        cache_dir=Path(settings.spoc_cache_dir) if settings.spoc_cache_dir else None,
        heldout=not args.cv_only,
        cross_validation=not args.heldout_only,
        check=args.check,
    )


def _eval_conversations(args: argparse.Namespace) -> int:
    from bot.app import load_answers, load_nlu
    from bot.conversation_eval import evaluate, meets_goals, report

    if not args.dir.is_dir():
        print(f"spoc: no conversation folder {args.dir}", file=sys.stderr)
        return EXIT_USAGE
    settings = Settings()
    summary = report(evaluate(args.dir, load_nlu(settings), load_answers(settings)), sys.stdout, args.json)
    return EXIT_FAILURE if args.check and not meets_goals(summary) else 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from storage.database import make_engine
    from storage.migrate import current_revision, upgrade

    engine = make_engine(Settings().spoc_database_url)
    try:
        upgrade(engine)
        print(f"database at revision {current_revision(engine)}")
    finally:
        engine.dispose()
    return 0


def _tickets_list(args: argparse.Namespace) -> int:
    from bot.reports import list_tickets

    return list_tickets(Settings(), args.status, args.json, sys.stdout, sys.stderr)


def _tickets_show(args: argparse.Namespace) -> int:
    from bot.reports import show_ticket

    return show_ticket(Settings(), args.ticket, args.json, sys.stdout, sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
