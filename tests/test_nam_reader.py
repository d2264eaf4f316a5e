""".nam files: what the reader maps (metadata, sample rate, versions, load_preset), and a clear
PresetError naming the file and the key for each broken or hostile file, in bounded memory."""

from __future__ import annotations

import json
import os
import tracemalloc

import numpy as np
import pytest
from nam_helpers import a1_array, lstm_config, lstm_weight_total, random_weights, wavenet_config, write_nam

from neuralfx.nam.reader import MAX_NAM_BYTES, MAX_VALUES
from neuralfx.preset import PRESET_SUFFIXES, PresetError, list_presets, load_preset

LINEAR = {"receptive_field": 2, "bias": True}
TINY_WAVENET = wavenet_config([a1_array(1, 2, 1, [1, 2], head_bias=True)])
TINY_WAVENET_WEIGHTS = 50  # rechannel 2; per layer 12 + 2 + 2 + 4 + 2 (conv, bias, mixin, 1x1, bias); head 2 + 1; scale


def _linear(tmp_path, name="lin.nam", **top):
    return write_nam(tmp_path / name, "Linear", dict(LINEAR), [1.0, 0.5, 0.25], **top)


def _document(tmp_path, document, name="bad.nam"):
    path = tmp_path / name
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return path


def _refused(path, *phrases):
    with pytest.raises(PresetError) as info:
        load_preset(path)
    assert info.value.path == path
    for phrase in phrases:
        assert phrase in str(info.value), str(info.value)
    return str(info.value)


# ---- what is read ----


def test_metadata_maps_to_preset_fields(tmp_path):
    metadata = {
        "name": "TS9 drive",
        "modeled_by": "Someone",
        "gear_make": "Ibanez",
        "gear_model": "TS9",
        "gear_type": "pedal",
        "tone_type": "overdrive",
        "loudness": -18.5,
        "gain": 0.4,
        "input_level_dbu": 12.0,
        "output_level_dbu": 9.5,
        "date": {"year": 2024, "month": 10, "day": 9, "hour": 18, "minute": 44, "second": 41},
        "training": {"validation_esr": 0.0123, "settings": {"epochs": 100}},
        "extra_note": "kept",
    }
    preset = load_preset(_linear(tmp_path, metadata=metadata))
    m = preset.metadata
    assert (m.name, m.modeled_by, m.pedal, m.gear_type, m.tone_type) == (
        "TS9 drive",
        "Someone",
        "Ibanez TS9",
        "pedal",
        "overdrive",
    )
    assert (m.loudness_db, m.input_level_dbu, m.output_level_dbu, m.validation_esr) == (-18.5, 12.0, 9.5, 0.0123)
    assert m.date == "2024-10-09T18:44:41"
    assert m.knobs == {}
    assert m.provenance["format"] == "NAM"
    assert m.provenance["version"] == "0.5.4"
    assert m.provenance["gain"] == 0.4
    assert m.provenance["training"]["settings"] == {"epochs": 100}
    assert m.provenance["extra_note"] == "kept"
    assert preset.sample_rate == 48000
    assert preset.model.architecture == "Linear"


def test_missing_metadata_and_rate_take_defaults(tmp_path):
    path = tmp_path / "plain.nam"
    path.write_text(json.dumps({"version": "0.5.0", "architecture": "Linear", "config": LINEAR, "weights": [1, 2, 3]}))
    preset = load_preset(path)
    assert preset.sample_rate == 48000  # NAM: absent means 48 kHz
    assert preset.metadata.name == "plain"
    assert preset.metadata.date == ""
    assert preset.metadata.loudness_db is None


@pytest.mark.parametrize(("rate", "expected"), [(48000.0, 48000), (44100, 44100), (96000.0, 96000)])
def test_sample_rate_may_be_a_float(tmp_path, rate, expected):
    assert load_preset(_linear(tmp_path, sample_rate=rate)).sample_rate == expected


@pytest.mark.parametrize("version", ["0.5.0", "0.5.4", "0.6.0", "0.7.0", "0.7.3"])
def test_supported_versions(tmp_path, version):
    assert load_preset(_linear(tmp_path, version=version)).model.architecture == "Linear"


def test_load_preset_reads_nam_files_by_path_and_by_name(tmp_path, monkeypatch):
    assert ".nam" in PRESET_SUFFIXES
    folder = tmp_path / "presets"
    folder.mkdir()
    path = _linear(folder, name="Clean Boost.nam", metadata={"name": "Clean boost"})
    monkeypatch.setenv("NEURALFX_PRESET_PATH", str(folder))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert load_preset(path).metadata.name == "Clean boost"
    by_name = load_preset("Clean Boost")
    assert by_name.path == path
    assert by_name.model.architecture == "Linear"
    assert path in list_presets()


def test_lstm_and_wavenet_describe_themselves(tmp_path):
    lstm = write_nam(tmp_path / "l.nam", "LSTM", lstm_config(2, 4), random_weights(lstm_weight_total(2, 4), 0))
    model = load_preset(lstm).model
    assert model.describe()["config"] == {"num_layers": 2, "hidden_size": 4}
    assert model.memory_samples is None
    assert model.settle_samples == 24000  # NAM Core's pre-warm: 0.5 s at 48 kHz
    wave = write_nam(tmp_path / "w.nam", "WaveNet", TINY_WAVENET, random_weights(TINY_WAVENET_WEIGHTS, 0))
    model = load_preset(wave).model
    assert model.describe()["receptive_field"] == 7  # 1 + (3 − 1)·1 + (3 − 1)·2
    assert model.memory_samples == model.settle_samples == 6
    assert model.parameters == ()


# ---- broken and hostile files ----


def test_not_json(tmp_path):
    path = tmp_path / "x.nam"
    path.write_bytes(b"\x00\x01garbage\xff")
    _refused(path, "not a NAM model")
    path.write_text("{'single': quotes}")
    _refused(path, "invalid JSON")
    path.write_text("")
    _refused(path, "empty")
    path.write_text("[1, 2, 3]")
    _refused(path, "expected a JSON object")


def test_deeply_nested_json_does_not_escape_as_recursion_error(tmp_path):
    path = tmp_path / "deep.nam"
    path.write_text("[" * 200_000 + "]" * 200_000)
    _refused(path, "nested too deeply")
    path.write_text('{"version": ' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "}")
    _refused(path, "nested too deeply")


def test_fifo_and_devices_are_refused_without_reading(tmp_path):
    fifo = tmp_path / "pipe.nam"
    os.mkfifo(fifo)
    _refused(fifo, "not a regular file")  # would block forever if it were opened
    with pytest.raises(PresetError, match="not a regular file"):
        load_preset("/dev/zero")


def test_file_size_is_capped(tmp_path):
    path = tmp_path / "huge.nam"
    with open(path, "wb") as file:
        file.truncate(MAX_NAM_BYTES + 1)  # sparse: nothing is written
    _refused(path, "too large")


def test_number_of_values_is_capped_before_parsing(tmp_path):
    path = tmp_path / "many.nam"
    path.write_text('{"weights": [' + "0," * MAX_VALUES + "0]}")
    tracemalloc.start()
    _refused(path, f"more than {MAX_VALUES} values")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 3 * path.stat().st_size  # the bytes and their text, never a list of millions


def test_wrong_weight_count(tmp_path):
    good = random_weights(TINY_WAVENET_WEIGHTS, 1)
    for weights in (good[:-1], np.concatenate([good, [0.5]])):
        path = write_nam(tmp_path / "w.nam", "WaveNet", TINY_WAVENET, weights)
        _refused(path, f"holds {weights.size} weights, the config needs {TINY_WAVENET_WEIGHTS}")
    path = write_nam(tmp_path / "l.nam", "LSTM", lstm_config(1, 3), np.zeros(69))
    _refused(path, "holds 69 weights, the config needs 70")


def test_config_claiming_huge_sizes_is_refused_before_allocating(tmp_path):
    cases = [
        ({"channels": 10**9}, "above the maximum"),
        ({"dilations": [10**9]}, "above the maximum"),
        ({"kernel_size": 10**9}, "above the maximum"),
        ({"dilations": [1] * 5000}, "5000 layers"),
        ({"channels": 1024, "dilations": [1] * 1000, "kernel_size": 8192}, "receptive field"),
        ({"channels": 1024, "dilations": [1] * 1000}, "multiply-adds"),
        ({"dilations": [200_000, 200_000]}, "receptive field"),
    ]
    for change, phrase in cases:
        array = a1_array(1, 2, 1, [1, 2], head_bias=True) | change
        path = write_nam(tmp_path / "big.nam", "WaveNet", wavenet_config([array]), [0.0] * 10)
        tracemalloc.start()
        _refused(path, phrase)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 20_000_000, change  # refused before anything of its size was made
    path = write_nam(tmp_path / "l.nam", "LSTM", lstm_config(64, 1024), [0.0])
    _refused(path, "multiply-adds")


def test_nan_and_inf_weights(tmp_path):
    weights = [0.1] * TINY_WAVENET_WEIGHTS
    for bad, shown in (("NaN", "nan"), ("Infinity", "inf"), ("1e39", "1e+39")):
        text = json.dumps(
            {"version": "0.5.4", "architecture": "WaveNet", "config": TINY_WAVENET, "weights": weights}
        ).replace('"weights": [0.1', f'"weights": [{bad}', 1)
        path = _document(tmp_path, text)
        _refused(path, "weight 0 is", shown, "finite")


def test_unknown_architecture(tmp_path):
    path = write_nam(tmp_path / "c.nam", "ConvNet", {}, [])
    _refused(path, "architecture: unknown or unsupported architecture 'ConvNet'")
    path = write_nam(tmp_path / "c.nam", "Transformer", {}, [])
    _refused(path, "'Transformer'")


@pytest.mark.parametrize(
    ("version", "phrase"),
    [("0.4.9", "older"), ("0.8.0", "newer"), ("1.0.0", "newer"), ("1.0", "not a version"), ("x.y.z", "not a version")],
)
def test_unsupported_versions(tmp_path, version, phrase):
    _refused(_linear(tmp_path, version=version), "version", phrase)


@pytest.mark.parametrize(
    ("rate", "phrase"), [(44100.5, "not a whole number"), (1e9, "outside"), ("48k", "expected a number"), (True, "")]
)
def test_bad_sample_rates(tmp_path, rate, phrase):
    _refused(_linear(tmp_path, sample_rate=rate), "sample_rate", phrase)


WRONG_TYPES = [
    (lambda a: a.update(channels="16"), "layers[0].channels: expected an integer, got the string '16'"),
    (lambda a: a.update(channels=16.0), "layers[0].channels: expected an integer"),
    (lambda a: a.update(channels=True), "layers[0].channels: expected an integer, got a boolean"),
    (lambda a: a.update(gated="yes"), "layers[0].gated: expected true or false"),
    (lambda a: a.update(dilations=3), "layers[0].dilations: expected a list"),
    (lambda a: a.update(activation="Swish"), "activation 'Swish' is not supported"),
    (lambda a: a.update(activation={"negative_slope": 0.1}), "missing key 'type'"),
    (lambda a: a.update(activation={"type": "LeakyReLU", "alpha": 1}), "unsupported key 'alpha'"),
    (lambda a: a.pop("head_bias"), "missing key 'head_bias'"),
    (lambda a: a.update(head_size=None, head_bias=None), "expected a 'head' object"),
    (lambda a: a.update(kernel_sizes=[3, 3]), "give kernel_size or kernel_sizes, not both"),
    (lambda a: a.update(gating_mode="sometimes"), "gating_mode 'sometimes' is not one of"),
    (lambda a: a.update(gating_mode=["none"]), "1 values for 2 layers"),
    (lambda a: a.update(conv_pre_film={"active": True, "shift": True}), "conv_pre_film: FiLM"),
    (lambda a: a.update(head1x1_post_film={"shift": False}), "head1x1_post_film: FiLM"),
    (lambda a: a.update(slimmable={"method": "slice_channels_uniform"}), "layers[0].slimmable: slimmable WaveNets"),
    (lambda a: a.update(mystery=1), "layers[0].mystery: unknown key"),
    (lambda a: a.update(input_size=2), "input_size: 2, but its input has 1 channel"),
    (lambda a: a.update(condition_size=2), "condition_size: 2"),
    (lambda a: a.update(bottleneck=3, layer1x1={"active": False, "groups": 1}), "must equal channels"),
    (lambda a: a.update(groups_input=3), "groups_input (3) must divide"),
    (lambda a: a.update(activation={"type": "PReLU", "negative_slopes": [0.1, 0.2, 0.3]}), "3 negative_slopes"),
]


@pytest.mark.parametrize(("change", "phrase"), WRONG_TYPES)
def test_wrong_types_and_unsupported_keys_in_a_layer_array(tmp_path, change, phrase):
    array = a1_array(1, 2, 1, [1, 2], head_bias=True)
    change(array)
    path = write_nam(tmp_path / "w.nam", "WaveNet", wavenet_config([array]), [0.0] * TINY_WAVENET_WEIGHTS)
    _refused(path, phrase)


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        (lambda c: c.update(condition_dsp={"architecture": "Linear"}), "config.condition_dsp: a conditioning DSP"),
        (lambda c: c.update(in_channels=2), "only mono models"),
        (lambda c: c.update(unknown_option=True), "config.unknown_option: unknown key"),
        (lambda c: c.pop("head_scale"), "missing key 'head_scale'"),
        (lambda c: c.update(layers=[]), "at least one layer array"),
        (lambda c: c.update(layers={"0": {}}), "config.layers: expected a list"),
        (
            lambda c: c.update(head={"channels": 2, "out_channels": 2, "kernel_sizes": [1], "activation": "ReLU"}),
            "mono",
        ),
    ],
)
def test_wrong_wavenet_configs(tmp_path, change, phrase):
    config = json.loads(json.dumps(TINY_WAVENET))
    change(config)
    path = write_nam(tmp_path / "w.nam", "WaveNet", config, [0.0] * TINY_WAVENET_WEIGHTS)
    _refused(path, phrase)


def test_wrong_top_level_types(tmp_path):
    base = {"version": "0.5.4", "architecture": "Linear", "config": LINEAR, "weights": [1, 2, 3]}
    cases = [
        ({"weights": [1, "2", 3]}, "weights: a weight is not a number (str '2')"),
        ({"weights": [1, None, 3]}, "a weight is not a number (NoneType"),
        ({"weights": [1, True, 3]}, "a weight is not a number (bool"),
        ({"weights": {"0": 1}}, "weights: expected a list"),
        ({"version": 5}, "version: expected a string"),
        ({"architecture": ["Linear"]}, "architecture: expected a string"),
        ({"config": "none"}, "config: expected a JSON object"),
        ({"metadata": {"loudness": "loud"}}, "metadata.loudness: expected a number"),
        ({"metadata": {"name": 7}}, "metadata.name: expected a string"),
        ({"metadata": {"date": {"year": 2024, "month": 13}}}, "metadata.date: not a valid date"),
        ({"metadata": {"training": {"validation_esr": "low"}}}, "validation_esr: expected a number"),
        ({"metadata": []}, "metadata: expected a JSON object"),
        ({"config": {"receptive_field": 2, "bias": 1}}, "config.bias: expected true or false"),
        ({"config": {"receptive_field": 0, "bias": True}}, "below the minimum"),
    ]
    for change, phrase in cases:
        _refused(_document(tmp_path, base | change), phrase)
    missing = dict(base)
    del missing["weights"]
    _refused(_document(tmp_path, missing), "missing key 'weights'")


def test_bad_lstm_configs(tmp_path):
    for change, phrase in [
        ({"input_size": 2}, "input_size: only mono"),
        ({"num_layers": 0}, "below the minimum"),
        ({"hidden_size": "3"}, "expected an integer"),
        ({"dropout": 0.1}, "config.dropout: unknown key"),
    ]:
        path = write_nam(tmp_path / "l.nam", "LSTM", lstm_config(1, 3) | change, np.zeros(70))
        _refused(path, phrase)


def _container(submodels, **top):
    return {"version": "0.7.0", "architecture": "SlimmableContainer", "config": {"submodels": submodels}} | top


def _submodel(max_value, rate=48000, **change):
    model = {"version": "0.7.0", "architecture": "Linear", "config": LINEAR, "weights": [1, 2, 3], "sample_rate": rate}
    return {"max_value": max_value, "model": model | change}


def test_bad_containers(tmp_path):
    cases = [
        ([_submodel(0.5), _submodel(0.4), _submodel(1.0)], "config.submodels[1].max_value: submodels must be sorted"),
        ([_submodel(0.5), _submodel(0.9)], "the last submodel's max_value must be at least 1"),
        ([], "at least one submodel"),
        ([_submodel(0.5), _submodel(1.0, rate=44100)], "config.submodels[1].model.sample_rate: 44100 Hz differs"),
        ([_submodel(1.0, weights=[1, 2])], "config.submodels[0].model.weights: the file holds 2 weights"),
        ([_submodel(1.0, architecture="SlimmableContainer")], "SlimmableContainer inside a SlimmableContainer"),
        ([{"max_value": 1.0, "model": {}, "extra": 1}], "config.submodels[0].extra: unknown key"),
        ([{"max_value": "1", "model": {}}], "max_value: expected a number"),
    ]
    for submodels, phrase in cases:
        _refused(_document(tmp_path, _container(submodels, weights=[], sample_rate=48000)), phrase)
    _refused(_document(tmp_path, _container([_submodel(1.0)], weights=[1.0])), "no weights of its own")
