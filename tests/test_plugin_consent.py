"""A chain file's native plugins load only with consent: trusted (a system plugin folder, the
user's trusted-plugins file) or allowed (--allow-plugins), by real path; a dry run loads none;
a missing or foreign plugin path is a clear error."""

import json
import platform
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import TINY_PRESET, guitarish

from neuralfx import Chain
from neuralfx.cli import main
from neuralfx.plugins import UntrustedPluginError, trust_plugins, trusted_plugins_file

ZAMCOMP = Path("/usr/lib/vst3/ZamComp.vst3")
needs_zamcomp = pytest.mark.skipif(
    not ZAMCOMP.exists(), reason="the zam-plugins VST3 set is not installed (apt install zam-plugins)"
)
CONSTRUCTOR = r"""
#include <stdio.h>
#include <stdlib.h>
__attribute__((constructor)) static void loaded(void) {
    FILE *marker = fopen(getenv("NEURALFX_TEST_MARKER"), "w");
    if (marker) { fputs("native code ran\n", marker); fclose(marker); }
}
"""


@pytest.fixture(autouse=True)
def own_config(tmp_path, monkeypatch):
    """The trusted-plugins file lives under tmp_path; the user's own is never read."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def chain_file(folder: Path, *plugin_paths: str) -> Path:
    folder.mkdir(exist_ok=True)
    effects = [{"type": "neural", "preset": str(TINY_PRESET)}]
    effects += [{"type": "plugin", "path": path, "parameters": {}} for path in plugin_paths]
    path = folder / "rig.json"
    path.write_text(json.dumps({"format": "neuralfx.chain", "format_version": 1, "effects": effects}))
    return path


@pytest.fixture
def evil(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """(a VST3 bundle whose library writes a marker file the moment it is loaded, the marker)."""
    if shutil.which("cc") is None:
        pytest.skip("no C compiler (apt install gcc): the test builds a library that shows when it is loaded")
    bundle = tmp_path / "rig" / "evil.vst3"
    binary = bundle / "Contents" / f"{platform.machine()}-linux" / "evil.so"
    binary.parent.mkdir(parents=True)
    (tmp_path / "evil.c").write_text(CONSTRUCTOR)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(binary), str(tmp_path / "evil.c")], check=True)
    marker = tmp_path / "native-code-ran"
    monkeypatch.setenv("NEURALFX_TEST_MARKER", str(marker))
    return bundle, marker


@pytest.fixture
def session(tmp_path) -> Path:
    folder = tmp_path / "DI"
    folder.mkdir()
    sf.write(folder / "gtr.wav", guitarish(0.2).T, 48000)
    return folder


def test_an_untrusted_plugin_is_never_loaded_without_consent(evil, session, tmp_path, capsys):
    bundle, marker = evil
    rig = chain_file(bundle.parent, "evil.vst3")  # relative: beside the chain file

    with pytest.raises(UntrustedPluginError) as info:
        Chain.load(rig)
    assert info.value.paths == [bundle]
    assert str(bundle) in str(info.value) and "--allow-plugins" in str(info.value)

    out = tmp_path / "out"
    for argv in (
        ["process", str(session / "gtr.wav"), "-o", str(tmp_path / "x.wav"), "--chain", str(rig)],
        ["batch", str(session), str(out), "--chain", str(rig)],
        ["batch", str(session), str(out), "--chain", str(rig), "--dry-run"],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"loads native plugins that are not trusted:\n  {bundle}\n" in err
        assert str(trusted_plugins_file()) in err

    # A dry run names no plugin it would load, even when allowed: it plans, and loads none.
    assert main(["batch", str(session), str(out), "--chain", str(rig), "--dry-run", "--allow-plugins"]) == 0
    assert "would render  gtr.wav" in capsys.readouterr().out
    assert not marker.exists() and not out.exists()
    assert not (tmp_path / "x.wav").exists()


def test_consent_is_given_to_the_real_path(evil, tmp_path):
    bundle, marker = evil
    (tmp_path / "links").mkdir()
    (tmp_path / "links" / "comp.vst3").symlink_to(bundle)
    # A system folder's name does not make a path trusted: where it leads does.
    disguised = f"/usr/lib/vst3/{'../' * 3}{bundle.relative_to('/')}"
    for named in (str(tmp_path / "links" / "comp.vst3"), disguised):
        with pytest.raises(UntrustedPluginError) as info:
            Chain.load(chain_file(tmp_path / "rigs", named))
        assert info.value.paths == [bundle]
    assert not marker.exists()

    trust_plugins([tmp_path / "links" / "comp.vst3"])  # recorded as the path it leads to
    assert str(bundle) in trusted_plugins_file().read_text()
    with pytest.raises(ValueError, match="cannot load the plugin .*evil.vst3") as info:
        Chain.load(chain_file(tmp_path / "rigs", disguised))  # trusted now: it loads (and is no plugin)
    assert not isinstance(info.value, UntrustedPluginError)
    assert marker.read_text() == "native code ran\n"


@needs_zamcomp
def test_a_plugin_outside_the_system_folders_plays_once_allowed_or_trusted(session, tmp_path, capsys):
    copy = tmp_path / "rig" / "ZamComp.vst3"
    shutil.copytree(ZAMCOMP, copy)
    rig = chain_file(copy.parent, "ZamComp.vst3")
    out = tmp_path / "out.wav"
    assert main(["process", str(session / "gtr.wav"), "-o", str(out), "--chain", str(rig)]) == 2
    assert str(copy) in capsys.readouterr().err

    assert main(["process", str(session / "gtr.wav"), "-o", str(out), "--chain", str(rig), "--allow-plugins"]) == 0
    got = sf.read(out, dtype="float32")[0]
    assert np.abs(got).max() > 0.01
    # The batch's workers load the plugins the command allowed.
    report = tmp_path / "report.json"
    argv = ["batch", str(session), str(tmp_path / "reamped"), "--chain", str(rig), "--allow-plugins", "--jobs", "1"]
    assert main([*argv, "--report", str(report)]) == 0
    assert json.loads(report.read_text())["files"][0]["status"] == "done"
    np.testing.assert_array_equal(sf.read(tmp_path / "reamped" / "gtr.wav", dtype="float32")[0], got)

    trust_plugins([copy])
    assert [type(e).__name__ for e in Chain.load(rig)] == ["NeuralPedal", "VST3Plugin"]


@needs_zamcomp
def test_plugins_in_the_system_folders_are_trusted(tmp_path):
    (tmp_path / "comp.vst3").symlink_to(ZAMCOMP)  # leads into /usr/lib/vst3
    for named in (str(ZAMCOMP), str(tmp_path / "comp.vst3")):
        chain = Chain.load(chain_file(tmp_path / "rigs", named))
        assert type(chain[1]).__name__ == "VST3Plugin"


def test_missing_and_foreign_plugin_paths_are_clear_errors(session, tmp_path, capsys):
    folder = tmp_path / "rig"
    folder.mkdir()
    (folder / "reverb.so").write_bytes(b"\x7fELF")
    (folder / "empty.vst3").mkdir()
    for named, message in (
        ("missing.vst3", f"effect 1: no such plugin: {folder / 'missing.vst3'}"),
        ("reverb.so", "effect 1: .*reverb.so is not a plugin: a VST3 plugin is a .vst3 bundle"),
        ("empty.vst3", "effect 1: cannot load the plugin .*empty.vst3: .*"),
        ("", "effect 1: 'path' must be a file name or path, got ''"),
    ):
        with pytest.raises(ValueError, match=message):
            Chain.load(chain_file(folder, named), allow_plugins=True)
        rig = chain_file(folder, named)
        argv = ["process", str(session / "gtr.wav"), "-o", str(tmp_path / "x.wav"), "--chain", str(rig)]
        assert main([*argv, "--allow-plugins"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("neuralfx process: error: ") and "Traceback" not in err
