"""The live engine's controller checks a chain's native plugins for consent before anything
reaches the engine process, and the engine process loads only the plugins its controller loaded."""

import json
import shutil
from pathlib import Path

import pytest
from conftest import TINY_PRESET

from neuralfx import Chain
from neuralfx.cli import main
from neuralfx.engine import EngineSettings, LiveEngine
from neuralfx.engine.program import ProgramSource
from neuralfx.plugins import UntrustedPluginError

ZAMCOMP = Path("/usr/lib/vst3/ZamComp.vst3")
pytestmark = pytest.mark.skipif(
    not ZAMCOMP.exists(), reason="the zam-plugins VST3 set is not installed (apt install zam-plugins)"
)


@pytest.fixture
def copied_plugin(tmp_path, monkeypatch) -> Path:
    """A chain file naming a copy of ZamComp outside the system folders (so: not trusted)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    shutil.copytree(ZAMCOMP, tmp_path / "rig" / "ZamComp.vst3")
    rig = tmp_path / "rig" / "rig.json"
    effects = [{"type": "neural", "preset": str(TINY_PRESET)}, {"type": "plugin", "path": "ZamComp.vst3"}]
    rig.write_text(json.dumps({"format": "neuralfx.chain", "format_version": 1, "effects": effects}))
    return rig


def test_the_controller_refuses_untrusted_plugins_before_the_engine_starts(copied_plugin):
    plugin = copied_plugin.parent / "ZamComp.vst3"
    chain_dict = Chain.load(copied_plugin, allow_plugins=True).to_dict()  # the plugin by its full path
    engine = LiveEngine()
    for chain in (copied_plugin, chain_dict):
        with pytest.raises(UntrustedPluginError) as info:
            engine.load_chain(chain)
        assert info.value.paths == [plugin]
    assert engine.settings.chain_dict is None and not engine.running

    # Settings holding such a chain (a GUI's saved ones) do not start the engine either.
    engine = LiveEngine(EngineSettings(chain_dict=chain_dict))
    with pytest.raises(UntrustedPluginError):
        engine.start()
    assert not engine.running

    allowed = LiveEngine(allow_plugins=[plugin])
    allowed.load_chain(copied_plugin)
    assert [e["type"] for e in allowed.settings.chain_dict["effects"]] == ["neural", "plugin"]


def test_the_engine_process_loads_only_the_plugins_its_controller_loaded(copied_plugin):
    program = ProgramSource.of(Chain.load(copied_plugin, allow_plugins=True))
    assert program.plugins == (str(copied_plugin.parent / "ZamComp.vst3"),)
    assert [type(e).__name__ for e in program.chain()] == ["NeuralPedal", "VST3Plugin"]

    tampered = ProgramSource(program.name, program.chain_dict, program.presets)  # no consent carried
    with pytest.raises(UntrustedPluginError):
        tampered.chain()


def test_neuralfx_live_asks_for_allow_plugins(copied_plugin, capsys):
    assert main(["live", "--chain", str(copied_plugin), "--duration", "0"]) == 1
    err = capsys.readouterr().err
    assert "loads native plugins that are not trusted" in err and "--allow-plugins" in err
