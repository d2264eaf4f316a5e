"""Without PortAudio (a system library pip cannot install) or without sounddevice, live audio says
what to install, instead of "PortAudio library not found"."""

import importlib.abc
import sys

import pytest

from neuralfx.engine.devices import load_sounddevice


class _NoPortAudio(importlib.abc.MetaPathFinder):
    """Imports sounddevice the way it fails on a machine without PortAudio."""

    def find_spec(self, name, path=None, target=None):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return None


def test_no_portaudio_names_the_package_to_install(monkeypatch):
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_NoPortAudio(), *sys.meta_path])
    with pytest.raises(OSError, match=r"live audio needs PortAudio.*apt install libportaudio2"):
        load_sounddevice()


def test_no_sounddevice_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # as if it were not installed
    with pytest.raises(OSError, match=r"pip install 'neuralfx\[gui\]'"):
        load_sounddevice()
