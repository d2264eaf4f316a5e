"""The `neuralfx` command. Its subcommands are found through the `neuralfx.commands` entry points
(pyproject.toml): each names a `register(subparsers)` function beside the code it drives, so this
module names none of them, and the training and live packages plug in the same way as the core's.
Handlers import their heavy dependencies (torch, sounddevice) only when they run."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from importlib.metadata import entry_points

from .console import print_error

COMMANDS_GROUP = "neuralfx.commands"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neuralfx", description="Neural guitar-pedal emulation.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for entry in sorted(entry_points(group=COMMANDS_GROUP), key=lambda e: e.name):
        entry.load()(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with _terminate_like_interrupt():
            return int(args.handler(args) or 0)
    except BrokenPipeError:  # stdout closed by its reader (`| head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's exit flush would fail
        return 141  # 128 + SIGPIPE, what a shell reports for a writer whose pipe closed
    except (ValueError, OSError) as exc:  # PresetError is a ValueError
        print_error(args.command, exc)
        return 1
    except KeyboardInterrupt:
        print(f"neuralfx {args.command}: interrupted", file=sys.stderr)
        return 130


@contextlib.contextmanager
def _terminate_like_interrupt() -> Iterator[None]:
    """SIGTERM (`kill`, a service manager stopping us) unwinds like Ctrl-C: temporary files are
    deleted, worker processes stopped, a training run keeps its best model."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
