"""`neuralfx-gui`: the desktop app's entry point.

The engine process is started with multiprocessing's spawn method, which imports the main
module again in the new process: this module therefore imports Qt inside `main()` only, so
the engine process loads neither Qt nor the GUI.
"""

from __future__ import annotations

import argparse
import signal
import sys

from neuralfx.engine.settings import EngineSettings, add_flags, given_settings

OVERRIDES = ("host_api", "input_file", "block_size", "sample_rate")
"""Engine settings the command line may override (the saved ones apply otherwise)."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="neuralfx-gui",
        description="neuralfx live: neural guitar pedals with a chain editor, meters and MIDI footswitches.",
    )
    parser.add_argument(
        "--settings", help="keep the settings in this INI file instead of the user's (e.g. for a test rig)"
    )
    parser.add_argument("--autostart", action="store_true", help="start the engine at once, without a click")
    parser.add_argument("--preset", help="play this preset (a name or a .nfx file) in the chain")
    add_flags(parser, OVERRIDES)
    args = parser.parse_args(argv)
    try:
        EngineSettings.from_dict(given_settings(args))
    except ValueError as exc:
        parser.error(str(exc))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from PyQt6.QtCore import QSettings
    from PyQt6.QtWidgets import QApplication

    from .theme import apply_theme
    from .window import MainWindow

    app = QApplication(sys.argv[:1])
    app.setOrganizationName("neuralfx")
    app.setApplicationName("neuralfx-gui")
    apply_theme(app)
    store = QSettings(args.settings, QSettings.Format.IniFormat) if args.settings else QSettings()
    window = MainWindow(store)
    window.override_settings(given_settings(args))
    window.show()
    if args.preset:
        window.play_preset(args.preset, then=window.start if args.autostart else None)
    elif args.autostart:
        window.start()
    close_on_signals(window)
    return app.exec()


def close_on_signals(window) -> None:
    """Ctrl-C and `kill` close the window, which stops the engine cleanly."""
    from PyQt6.QtCore import QTimer

    # Python runs a signal handler between any two bytecodes of the GUI thread (the window's
    # 30 Hz timer gives it the chance), perhaps inside a slot that holds the engine link, which
    # closing waits for: the handler only queues the close for the event loop.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: QTimer.singleShot(0, window.close))


if __name__ == "__main__":
    sys.exit(main())
