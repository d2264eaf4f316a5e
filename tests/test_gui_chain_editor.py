"""The chain editor: adding, moving, switching off, setting and removing effects reaches the
engine as the right program; the editor follows programs the engine switches to by itself."""

import json

import pedalboard
from gui_helpers import TIMEOUT_MS, TINY, engine_chain, open_window, play, start
from jack_fixtures import jack  # noqa: F401  (a fixture: the test JACK server)

from neuralfx.chain import Chain
from neuralfx_gui.chain_model import ChainModel
from neuralfx_gui.effects import EFFECTS, new_effect_entry, parameter_specs

NEURAL = ("neural", str(TINY))


def engine_parameters(window, index: int) -> dict:
    return window.link.engine.state.chain_dict["effects"][index]["parameters"]


def test_edits_reach_the_engine(qtbot, tmp_path, monkeypatch, jack):  # noqa: F811
    window = open_window(qtbot, tmp_path, monkeypatch)
    editor = window.editor
    play(qtbot, window, TINY)
    start(qtbot, window)
    assert engine_chain(window) == [NEURAL]

    menu = {action.text(): action for action in editor.add_button.menu().actions()}
    menu["Reverb"].trigger()
    qtbot.waitUntil(lambda: engine_chain(window) == [NEURAL, ("native", "Reverb")], timeout=TIMEOUT_MS)
    reverb = editor.cards[1]
    reverb.left_button.click()
    qtbot.waitUntil(lambda: engine_chain(window) == [("native", "Reverb"), NEURAL], timeout=TIMEOUT_MS)

    reverb = editor.cards[0]
    reverb.controls["room_size"].box.setValue(70.0)  # shown in %
    qtbot.waitUntil(lambda: engine_parameters(window, 0)["room_size"] == 0.7, timeout=TIMEOUT_MS)
    neural = editor.cards[1]
    neural.controls["output_gain_db"].knob.setValue(0)  # the knob turned fully down: -24 dB
    qtbot.waitUntil(lambda: engine_parameters(window, 1)["output_gain_db"] == -24.0, timeout=TIMEOUT_MS)

    reverb.power.click()  # off: the engine plays the chain without it, the editor keeps it
    qtbot.waitUntil(lambda: engine_chain(window) == [NEURAL], timeout=TIMEOUT_MS)
    assert len(editor.cards) == 2 and editor.model.effects[0].switched_off
    editor.cards[0].controls["room_size"].box.setValue(20.0)  # kept for when it is on again
    editor.cards[1].controls["mix"].box.setValue(50.0)  # the neural pedal is now effect 0
    qtbot.waitUntil(lambda: engine_parameters(window, 0)["mix"] == 0.5, timeout=TIMEOUT_MS)
    editor.cards[0].power.click()
    qtbot.waitUntil(lambda: engine_chain(window) == [("native", "Reverb"), NEURAL], timeout=TIMEOUT_MS)
    assert abs(engine_parameters(window, 0)["room_size"] - 0.2) < 1e-6  # float32 inside pedalboard

    editor.cards[1].power.click()  # a neural pedal has a bypass of its own: the engine crossfades it
    qtbot.waitUntil(lambda: engine_parameters(window, 1)["bypass"] is True, timeout=TIMEOUT_MS)
    assert engine_chain(window) == [("native", "Reverb"), NEURAL]

    editor.cards[0].remove_button.click()
    qtbot.waitUntil(lambda: engine_chain(window) == [NEURAL], timeout=TIMEOUT_MS)
    assert [card.title.text() for card in editor.cards] == ["tiny test"]  # the preset's name

    window.save_settings()  # the editor's chain, switched-off effects included, is kept
    saved = ChainModel.from_dict(json.loads(window.store.value("chain_editor")))
    assert [e.entry["type"] for e in saved.effects] == ["neural"]


def test_follows_a_program_the_engine_switched_to():
    """A preset slot chosen by MIDI replaces the editor's chain; the engine's echoes of the
    editor's own programs, even late ones, do not."""
    model = ChainModel()
    model.insert(0, {"type": "neural", "preset": "a", "parameters": {"mix": 1.0}})
    sent = [model.chain_to_send()]
    model.insert(1, new_effect_entry("Delay"))
    sent.append(model.chain_to_send())
    model.insert(2, new_effect_entry("Reverb"))
    model.set_switched_off(2, True)  # not sent: the engine never plays it

    assert not model.follow(sent[0])  # late echo of the first program: keep the newer edits
    assert [e.entry.get("class") for e in model.effects] == [None, "Delay", "Reverb"]
    echoed = sent[1]
    echoed["effects"][0]["parameters"] = {"mix": 0.25}  # a MIDI CC moved the mix
    assert not model.follow(echoed)
    assert model.effects[0].entry["parameters"] == {"mix": 0.25}
    assert (model.engine_index(0), model.engine_index(1), model.engine_index(2)) == (0, 1, None)

    slot = {
        "format": "neuralfx.chain",
        "format_version": 1,
        "effects": [{"type": "neural", "preset": "b", "parameters": {"mix": 1.0}}],
    }
    assert model.follow(slot)
    assert [e.entry for e in model.effects] == slot["effects"]


def test_every_offered_effect_has_controls_for_all_its_parameters():
    for class_name in EFFECTS:
        entry = new_effect_entry(class_name)
        specs = parameter_specs(class_name)
        saved = Chain([getattr(pedalboard, class_name)()]).to_dict()["effects"][0]  # what a chain file holds
        assert [s.name for s in specs] == list(saved["parameters"]) == list(entry["parameters"])
        assert entry | {"parameters": saved["parameters"]} == saved  # only our defaults differ
        for spec in specs:
            assert spec.minimum <= entry["parameters"][spec.name] <= spec.maximum, (class_name, spec.name)
            value = entry["parameters"][spec.name]
            position = spec.to_position(value, 1000)  # the slider's nearest step
            step = abs(
                spec.from_position(min(position + 1, 1000), 1000) - spec.from_position(max(position - 1, 0), 1000)
            )
            assert abs(spec.from_position(position, 1000) - value) <= step / 2 + 1e-9, (class_name, spec.name)
        Chain.from_dict({"format": "neuralfx.chain", "format_version": 1, "effects": [entry]})  # valid
