"""The ``vlok-publisher`` command: a thin shell over the stages.

Every failure a user can cause ends as one line on stderr and a documented exit code
(see ``publisher.errors``); a traceback means a bug.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Sequence

from publisher.config import Settings, load_settings
from publisher.errors import ConfigError, PublisherError
from publisher.identifiers import InvalidCapakey

EXIT_USAGE = 2
#: Interrupted by SIGINT (Ctrl-C) or SIGTERM (cron, systemd): 128 + the signal number.
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so it unwinds exactly as Ctrl-C does.

    Why an exception and not an immediate exit: ``finally`` blocks and context managers run
    (locks released, transactions rolled back), and a publish stopped after its switch stays
    recorded as pending its follow-up, which the next run completes.
    """


def _on_sigterm(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the unwind
    raise Terminated()


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line, not a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"vlok-publisher: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """All commands and options; each command module adds its own sub-parser."""
    from publisher.commands import demo, ldes_replicate, operations, publish, serve, store

    parser = _Parser(prog="vlok-publisher", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="settings YAML (default: config/settings.yaml)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in (demo, store, publish, operations, serve, ldes_replicate):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "serve":  # gunicorn's arbiter handles its own signals
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        settings = load_settings(args.config)
        handler: Callable[[argparse.Namespace, Settings], int] = args.handler
        return handler(args, settings)
    except InvalidCapakey as exc:
        return _fail(str(exc), ConfigError.exit_code)
    except PublisherError as exc:
        return _fail(str(exc), exc.exit_code)
    except (ValueError, OSError) as exc:
        return _fail(str(exc), 1)
    except Terminated:
        return _fail("terminated (SIGTERM)", EXIT_TERMINATED)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED)


def _fail(message: str, code: int) -> int:
    print(f"vlok-publisher: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
