"""Consent for native code: which plugin files a chain may load.

A VST3 or Audio Unit plugin is a shared library: loading one runs its code with the user's
rights. A chain file is data that anyone can hand over, so a plugin it names is loaded only when
its real path (every symlink resolved) is trusted:

- it lies in a system-wide plugin folder (`SYSTEM_PLUGIN_DIRS`), where only an administrator
  installs; per-user folders (~/.vst3) are not trusted by default, since anything the user runs
  or unpacks can write there;
- it is listed in the user's trusted-plugins file (`trusted_plugins_file()`: one real path a
  line), which `trust_plugins` writes (the app's "Always allow");
- or the caller allows it for this run (`allow_plugins=`: `neuralfx process|batch|live
  --allow-plugins`, the app's "Allow once").

Otherwise loading refuses with `UntrustedPluginError`, which names each real path.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, Iterable
from pathlib import Path

from .fileio import atomic_write_text, read_capped

PLUGIN_SUFFIXES = (".vst3", ".component")
"""What pedalboard loads: VST3 bundles, and Audio Units on macOS."""

SYSTEM_PLUGIN_DIRS = {
    "linux": ("/usr/lib/vst3", "/usr/local/lib/vst3"),
    "darwin": ("/Library/Audio/Plug-Ins/VST3", "/Library/Audio/Plug-Ins/Components"),
    "win32": (r"C:\Program Files\Common Files\VST3",),
}
"""The system-wide plugin folders of the VST3 and Audio Unit specifications, by platform."""

MAX_TRUSTED_FILE_BYTES = 1024 * 1024

AllowPlugins = bool | Collection[str | Path]
"""Plugins a caller allows besides the trusted ones: True for any, else these paths."""


class UntrustedPluginError(ValueError):
    """Plugins that are neither trusted nor allowed. `paths`: their real paths."""

    def __init__(self, source: str, paths: list[Path]) -> None:
        listed = "\n".join(f"  {path}" for path in paths)
        super().__init__(
            f"{source} loads native plugins that are not trusted:\n{listed}\n"
            "A plugin is a program: it runs with your rights. If you trust where it came from, pass "
            f"--allow-plugins (neuralfx process, batch, live), or add its path to {trusted_plugins_file()}"
        )
        self.paths = paths


def real_path(path: str | Path) -> Path:
    """The file a path leads to, every symlink and `..` resolved: what consent is given to."""
    return Path(os.path.realpath(path))


def check_plugin_file(path: Path) -> None:
    """Raise ValueError unless `path` exists and is named like a plugin (loads nothing)."""
    if not path.exists():
        raise ValueError(f"no such plugin: {path}")
    if path.suffix.lower() not in PLUGIN_SUFFIXES:
        raise ValueError(f"{path} is not a plugin: a VST3 plugin is a .vst3 bundle (an Audio Unit a .component)")


def system_plugin_dirs() -> list[Path]:
    return [real_path(folder) for folder in SYSTEM_PLUGIN_DIRS.get(sys.platform, SYSTEM_PLUGIN_DIRS["linux"])]


def trusted_plugins_file() -> Path:
    """$XDG_CONFIG_HOME/neuralfx/trusted-plugins.txt (default ~/.config/neuralfx/...)."""
    config_home = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config_home) / "neuralfx" / "trusted-plugins.txt"


def trusted_plugins() -> set[Path]:
    """The paths in the user's trusted-plugins file (none if it does not exist). Blank lines and
    lines starting with # are skipped. Raises ValueError for a file that cannot be read."""
    path = trusted_plugins_file()
    if not path.exists():
        return set()
    try:
        text = read_capped(path, MAX_TRUSTED_FILE_BYTES, "the trusted-plugins file").decode()
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read the trusted-plugins file ({exc})") from None
    lines = (line.strip() for line in text.splitlines())
    return {real_path(line) for line in lines if line and not line.startswith("#")}


def trust_plugins(paths: Iterable[str | Path]) -> None:
    """Add plugins (by real path) to the user's trusted-plugins file."""
    file = trusted_plugins_file()
    known = trusted_plugins()
    added = [str(real_path(p)) for p in paths if real_path(p) not in known]
    if not added:
        return
    text = file.read_text() if file.exists() else "# Plugins neuralfx may load from any chain: one real path a line.\n"
    file.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(file, text + ("" if text.endswith("\n") else "\n") + "\n".join(added) + "\n")


def untrusted(paths: Iterable[Path], allow: AllowPlugins = ()) -> list[Path]:
    """Those of `paths` (real paths) that are neither trusted nor allowed, in order."""
    if allow is True:
        return []
    allowed = {real_path(p) for p in allow or ()}
    paths = [p for p in paths if p not in allowed and not any(p.is_relative_to(d) for d in system_plugin_dirs())]
    if not paths:
        return []
    trusted = trusted_plugins()
    return list(dict.fromkeys(p for p in paths if p not in trusted))


def check_consent(paths: Iterable[Path], allow: AllowPlugins, source: str) -> None:
    """Raise UntrustedPluginError naming the plugins of `source` that may not be loaded."""
    refused = untrusted(paths, allow)
    if refused:
        raise UntrustedPluginError(source, refused)
