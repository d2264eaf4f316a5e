"""The chain editor: the program's effects as pedals in a row, signal flowing left to right.

The row starts with the engine's input gain and its clip light, and ends with its output level.
Each card has an on/off switch, ◀ ▶ to move it, ✕ to remove it and a knob with a value box per
parameter: a neural pedal's gains and mix, then its model's own dials (drive, tone, a NAM file's
size) and its output mode; a cabinet's impulse response file. The editor changes its `ChainModel`
and says what the engine must do: `chain_changed(chain)` when effects were added, removed, moved or
switched, or a setup choice changed (load that chain), `parameter_changed(name, value, effect)`
when a value of a playing effect moved, `levels_changed(input_db, output_db)` for the engine's levels.
"""

from __future__ import annotations

import math
from pathlib import Path

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .chain_model import ChainModel, EditorEffect
from .effects import (
    CABINET,
    CABINET_LABEL,
    EFFECTS,
    ParameterSpec,
    effect_label,
    impulse_response_entry,
    new_effect_entry,
    specs_for,
)
from .knob import Knob
from .layout import section_header
from .preset_info import PresetInfo

KNOB_STEPS = 1000
KNOBS_PER_ROW = 3
IMPULSE_RESPONSE_FILTER = "Impulse responses (*.wav *.flac *.aif *.aiff);;All files (*)"
OUTPUT_MODES = (
    ("raw", "As trained", "The model's own level, as it was trained"),
    ("normalized", "Normalized", "Every model at one loudness (-18 dBFS), from the level its file states"),
    ("calibrated", "Calibrated", "The analog level it was captured at: set your interface's dBu at 0 dBFS"),
)
"""NeuralPedal's output modes: (value, label, tip)."""
CALIBRATION_OFF_DBU = -20.0  # the calibration box's lowest value reads "off"
INPUT_GAIN = ParameterSpec("input_gain_db", "Gain", -24.0, 24.0, "dB", default=0.0)
OUTPUT_LEVEL = ParameterSpec("output_gain_db", "Level", -48.0, 12.0, "dB", default=0.0)
CLIP_HOLD_S = 2.0


class ParameterControl(QWidget):
    """A labelled knob and value box for one parameter, in the spec's display units.

    Signals:
        changed(name, value): the user turned it; value in the engine's units.
    """

    changed = pyqtSignal(str, float)

    def __init__(self, spec: ParameterSpec, value: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        default = None if spec.default is None else spec.to_position(spec.default, KNOB_STEPS)
        self.knob = Knob(KNOB_STEPS, default)
        self.knob.setAccessibleName(spec.label)
        self.box = QDoubleSpinBox()
        low, high = spec.minimum * spec.scale, spec.maximum * spec.scale
        self.box.setRange(low, high)
        self.box.setDecimals(_decimals(low, high))
        self.box.setSingleStep(10 ** -self.box.decimals() * (10 if high - low > 10 else 1))
        self.box.setSuffix(f" {spec.unit}" if spec.unit else "")
        self.box.setKeyboardTracking(False)  # one change when typing ends, not one per key
        self.box.setAccessibleName(spec.label)
        self.box.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)  # the knob turns it
        self.box.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.box.setObjectName("knobValue")
        label = QLabel(spec.label)
        label.setObjectName("parameterLabel")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(1)
        layout.addWidget(label)
        layout.addWidget(self.knob, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.box)
        self.value = spec.clamp(value)
        self._show(self.value)
        self.knob.valueChanged.connect(self._turned)
        self.box.valueChanged.connect(self._typed)

    def set_value(self, value: float) -> None:
        """Show a value the engine reports (ignored while the user holds the knob)."""
        if self.knob.isSliderDown() or math.isclose(value, self.value, rel_tol=1e-6, abs_tol=1e-9):
            return
        self.value = self.spec.clamp(value)
        self._show(self.value)

    def _show(self, value: float) -> None:
        for widget in (self.knob, self.box):
            widget.blockSignals(True)
        self.knob.setValue(self.spec.to_position(value, KNOB_STEPS))
        self.box.setValue(value * self.spec.scale)
        for widget in (self.knob, self.box):
            widget.blockSignals(False)

    def _turned(self, position: int) -> None:
        self._user_value(self.spec.from_position(position, KNOB_STEPS))

    def _typed(self, shown: float) -> None:
        self._user_value(shown / self.spec.scale)

    def _user_value(self, value: float) -> None:
        self.value = self.spec.clamp(value)
        self._show(self.value)
        self.changed.emit(self.spec.name, self.value)


def _decimals(low: float, high: float) -> int:
    span = high - low
    return 0 if span >= 500 else 1 if span >= 10 else 2


class EffectCard(QFrame):
    """One effect of the chain; `info` describes a neural pedal's preset (its name, its model's
    controls), None while the file is being read.

    Signals:
        switched(bool): the on/off switch; moved(int): ◀ (-1) or ▶ (+1); removed();
        parameter(name, value): a knob; setup(name, value): a choice that reloads the effect (a
        neural pedal's output mode or input calibration); impulse_response_requested().
    """

    switched = pyqtSignal(bool)
    moved = pyqtSignal(int)
    removed = pyqtSignal()
    parameter = pyqtSignal(str, float)
    setup = pyqtSignal(str, object)
    impulse_response_requested = pyqtSignal()

    def __init__(self, effect: EditorEffect, info: PresetInfo | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        entry = effect.entry
        info = info if info is not None and not info.problem else None  # an unreadable preset: the engine says why
        self.info = info
        self.setObjectName("neuralCard" if effect.is_neural else "effectCard")
        self.setFixedWidth(236)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.power = QToolButton()
        self.power.setObjectName("power")
        self.power.setCheckable(True)
        self.power.setText("●")
        self.power.setToolTip("Switch this effect on or off")
        if effect.is_neural:
            title = info.name if info is not None else Path(entry["preset"]).stem
        else:
            title = effect_label(entry)
        self.title = QLabel(title)
        self.title.setObjectName("presetName" if effect.is_neural else "cardTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # file and plugin names, never markup
        self.title.setWordWrap(True)  # long names break between words, never inside one
        buttons = []
        for text, tip, signal in (
            ("◀", "Move earlier in the chain", lambda: self.moved.emit(-1)),
            ("▶", "Move later in the chain", lambda: self.moved.emit(+1)),
            ("✕", "Remove from the chain", self.removed.emit),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(signal)
            buttons.append(button)
        self.left_button, self.right_button, self.remove_button = buttons
        header = QHBoxLayout()
        header.setSpacing(2)
        header.addWidget(self.power)
        header.addWidget(self.title, 1)
        for button in buttons:
            header.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.addLayout(header)
        values = entry.get("parameters", {})
        self.caption = QLabel()
        self.caption.setObjectName("hint")
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setWordWrap(True)
        if effect.is_neural:
            self.title.setToolTip(entry["preset"])
            self.caption.setText(info.model if info is not None else effect_label(entry))
        elif entry["type"] == "native" and entry["class"] == CABINET:
            self._add_impulse_response_row(layout, str(values.get("impulse_response_filename", "")))
        if effect.is_neural:
            layout.addWidget(self.caption)
        self.controls: dict[str, ParameterControl] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(2)
        controls = info.controls if info is not None and effect.is_neural else ()
        for i, spec in enumerate(specs_for(entry, controls)):
            fallback = spec.default if spec.default is not None else spec.clamp(0.0)
            control = ParameterControl(spec, float(values.get(spec.name, fallback)))
            control.changed.connect(self.parameter)
            grid.addWidget(control, i // KNOBS_PER_ROW, i % KNOBS_PER_ROW)
            self.controls[spec.name] = control
        layout.addLayout(grid)
        self.size_label = QLabel()
        self.size_label.setObjectName("hint")
        if info is not None and info.sizes and "model_size" in self.controls:
            layout.addWidget(self.size_label)
        self.output_mode: QComboBox | None = None
        if effect.is_neural and info is not None:
            self._add_level_choices(layout, info, values)
        layout.addStretch()
        self.show_effect(effect)
        self.power.toggled.connect(self.switched)

    def _add_impulse_response_row(self, layout: QVBoxLayout, path: str) -> None:
        self.caption.setText(Path(path).name)
        self.caption.setToolTip(path)
        layout.addWidget(self.caption)
        button = QToolButton()
        button.setText("Load IR…")
        button.setToolTip("Play another impulse response file (a speaker cabinet, a room)")
        button.clicked.connect(self.impulse_response_requested)
        self.impulse_response_button = button
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)

    def _add_level_choices(self, layout: QVBoxLayout, info: PresetInfo, values: dict) -> None:
        """The output mode, and the input calibration it may need (setup choices: the pedal reloads)."""
        self.output_mode = QComboBox()
        self.output_mode.setToolTip("How loud the model plays")
        mode = values.get("output_mode", info.default_output_mode)
        can = {
            "raw": True,
            "normalized": info.loudness_db is not None,
            "calibrated": info.input_level_dbu is not None or info.output_level_dbu is not None,
        }
        for value, label, tip in OUTPUT_MODES:
            self.output_mode.addItem(label, value)
            index = self.output_mode.count() - 1
            self.output_mode.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
            if not can[value] and value != mode:
                self.output_mode.model().item(index).setEnabled(False)
        self.output_mode.setCurrentIndex(max(0, self.output_mode.findData(mode)))
        self.output_mode.currentIndexChanged.connect(
            lambda: self.setup.emit("output_mode", self.output_mode.currentData())
        )
        row = QHBoxLayout()
        row.addWidget(QLabel("Output"))
        row.addWidget(self.output_mode, 1)
        layout.addLayout(row)
        self.calibration: QDoubleSpinBox | None = None
        if can["calibrated"]:
            self.calibration = QDoubleSpinBox()
            self.calibration.setRange(CALIBRATION_OFF_DBU, 30.0)
            self.calibration.setDecimals(1)
            self.calibration.setSuffix(" dBu")
            self.calibration.setSpecialValueText("off")
            self.calibration.setKeyboardTracking(False)
            self.calibration.setToolTip(
                "Your interface's input level in dBu at 0 dBFS (its manual states it): the model then hears "
                f"your guitar as the captured gear did ({info.input_level_dbu:g} dBu at 0 dBFS)"
                if info.input_level_dbu is not None
                else "Your interface's input level in dBu at 0 dBFS (its manual states it)"
            )
            calibration = values.get("input_calibration_dbu")
            self.calibration.setValue(CALIBRATION_OFF_DBU if calibration is None else float(calibration))
            self.calibration.valueChanged.connect(
                lambda v: self.setup.emit("input_calibration_dbu", None if v <= CALIBRATION_OFF_DBU else v)
            )
            row = QHBoxLayout()
            row.addWidget(QLabel("Interface"))
            row.addWidget(self.calibration, 1)
            layout.addLayout(row)

    def show_effect(self, effect: EditorEffect) -> None:
        """Show the effect's current values and on/off state."""
        self.power.blockSignals(True)
        self.power.setChecked(effect.engaged)
        self.power.blockSignals(False)
        if self.property("engaged") != effect.engaged:  # restyling is not free: only on a change
            self.setProperty("engaged", effect.engaged)
            self.style().unpolish(self)
            self.style().polish(self)
        for name, value in effect.entry.get("parameters", {}).items():
            if name in self.controls:
                self.controls[name].set_value(float(value))
        if self.info is not None and self.info.sizes and "model_size" in self.controls:
            self.size_label.setText(self.info.size_text(self.controls["model_size"].value))


class LevelBlock(QFrame):
    """The engine's input gain (with its clip light) or output level, at one end of the chain.

    Signals:
        changed(float): the user turned it (dB).
    """

    changed = pyqtSignal(float)

    def __init__(self, title: str, spec: ParameterSpec, clip_light: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("levelBlock")
        self.setFixedWidth(78)
        self.control = ParameterControl(spec, 0.0)
        self.control.changed.connect(lambda name, value: self.changed.emit(value))
        heading = QLabel(title)
        heading.setObjectName("flow")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 6)
        layout.addWidget(heading)
        self.clip_light: QLabel | None = None
        if clip_light:
            self.clip_light = QLabel("CLIP")
            self.clip_light.setObjectName("clipLight")
            self.clip_light.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.clip_light.setToolTip(
                "Lights when the input reaches full scale (0 dBFS), at the interface or after this gain: "
                "turn the gain (or your interface) down"
            )
            self.show_clipping(False)
            layout.addWidget(self.clip_light)
        layout.addWidget(self.control)
        layout.addStretch()

    @property
    def value(self) -> float:
        return self.control.value

    def set_value(self, value: float) -> None:
        self.control.set_value(value)

    def show_clipping(self, clipping: bool) -> None:
        if self.clip_light is not None and self.clip_light.property("lit") != clipping:
            self.clip_light.setProperty("lit", clipping)
            self.clip_light.style().unpolish(self.clip_light)
            self.clip_light.style().polish(self.clip_light)

    @property
    def clipping(self) -> bool:
        return bool(self.clip_light is not None and self.clip_light.property("lit"))


class ChainEditor(QWidget):
    """Signals:
    chain_changed(dict): load this chain (`Chain.to_dict()` format) in the engine.
    parameter_changed(name, value, effect): set a parameter of the engine's effect `effect`.
    levels_changed(input_db, output_db): the engine's input gain and output level.
    pedal_needed(str): read this neural pedal's preset (a chain file's "preset" reference) and
        give it to `know_pedal`, so that its card shows its name and its model's controls.
    edited(): anything changed (for saving the settings).
    """

    chain_changed = pyqtSignal(dict)
    parameter_changed = pyqtSignal(str, object, int)
    levels_changed = pyqtSignal(float, float)
    pedal_needed = pyqtSignal(str)
    edited = pyqtSignal()

    def __init__(self, model: ChainModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model or ChainModel()
        self.pedals: dict[str, PresetInfo] = {}  # neural entries' "preset" references → what they play
        self.cards: list[EffectCard] = []
        self.add_button = QToolButton()
        self.add_button.setText("+ Add effect")
        self.add_button.setObjectName("addEffect")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.add_button)
        for class_name, label in EFFECTS.items():
            action = menu.addAction(label)
            action.triggered.connect(lambda checked=False, name=class_name: self.add_effect(name))
        menu.addSeparator()
        menu.addAction(f"{CABINET_LABEL}…").triggered.connect(lambda: self._choose_impulse_response(None))
        self.add_button.setMenu(menu)
        self.input_block = LevelBlock("IN ▶", INPUT_GAIN, clip_light=True)
        self.output_block = LevelBlock("▶ OUT", OUTPUT_LEVEL, clip_light=False)
        for block in (self.input_block, self.output_block):
            block.changed.connect(self._levels_turned)
        self._row = QHBoxLayout()  # the cards, rebuilt on every change of structure
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(6)
        row = QHBoxLayout()
        row.setContentsMargins(6, 6, 6, 6)
        row.setSpacing(6)
        row.addWidget(self.input_block)
        row.addLayout(self._row)
        row.addWidget(self.output_block)
        row.addStretch()
        strip = QWidget()
        strip.setObjectName("pedalboard")
        strip.setLayout(row)
        scroll = QScrollArea()
        scroll.setWidget(strip)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(section_header("Chain", self.add_button))
        layout.addWidget(scroll, 1)
        self._rebuild()

    # --- edits (the cards' signals and the "Add effect" menu call these) --------------------------
    def add_effect(self, class_name: str) -> None:
        """Add a pedalboard effect after the last one."""
        self.model.insert(len(self.model.effects), new_effect_entry(class_name))
        self._structure_changed()

    def remove(self, row: int) -> None:
        self.model.remove(row)
        self._structure_changed()

    def move(self, row: int, step: int) -> None:
        if self.model.move(row, step) != row:
            self._structure_changed()

    def switch(self, row: int, on: bool) -> None:
        effect = self.model.effects[row]
        if effect.is_neural:  # a real bypass: the engine crossfades this pedal alone
            self.set_parameter(row, "bypass", not on)
            self.cards[row].show_effect(effect)
        else:  # leave the plugin out of the engine's chain
            self.model.set_switched_off(row, not on)
            self._structure_changed()

    def add_cabinet(self, impulse_response: str | Path) -> None:
        """Add a cabinet (pedalboard's Convolution) playing this impulse response file, at the end."""
        self.model.insert(len(self.model.effects), impulse_response_entry(str(impulse_response)))
        self._structure_changed()

    def set_impulse_response(self, row: int, impulse_response: str | Path) -> None:
        self.model.set_value(row, "impulse_response_filename", str(impulse_response))
        self._structure_changed()

    def _choose_impulse_response(self, row: int | None) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Impulse response", "", IMPULSE_RESPONSE_FILTER)
        if path:
            self.add_cabinet(path) if row is None else self.set_impulse_response(row, path)

    def set_setup(self, row: int, name: str, value) -> None:
        """Change a setup choice of a neural pedal (output_mode, input_calibration_dbu; None removes
        it): the engine cannot change these while playing, so the chain is loaded again (crossfaded)."""
        parameters = self.model.effects[row].entry.setdefault("parameters", {})
        if value is None:
            parameters.pop(name, None)
        else:
            parameters[name] = value
        self._structure_changed()

    def set_levels(self, input_gain_db: float, output_gain_db: float) -> None:
        """Show the engine's input gain and output level (no signal)."""
        self.input_block.set_value(input_gain_db)
        self.output_block.set_value(output_gain_db)

    def _levels_turned(self) -> None:
        self.levels_changed.emit(self.input_block.value, self.output_block.value)
        self.edited.emit()

    def know_pedal(self, reference: str, info: PresetInfo) -> None:
        """What a neural entry's preset is (read in the background): its card shows it."""
        self.pedals[reference] = info
        if any(e.is_neural and e.entry["preset"] == reference for e in self.model.effects):
            self._rebuild()

    def set_parameter(self, row: int, name: str, value: float | bool) -> None:
        self.model.set_value(row, name, value)
        index = self.model.engine_index(row)
        if index is not None:
            self.parameter_changed.emit(name, value, index)
        self.edited.emit()

    def play_preset(self, neural_entry: dict) -> None:
        """Put this neural pedal (a `Chain.to_dict()` entry) in place of the current one."""
        self.model.with_preset(neural_entry)
        self._structure_changed()

    def set_model(self, model: ChainModel) -> None:
        self.model = model
        self._rebuild()

    # --- the engine's reports ---------------------------------------------------------------------
    def follow(self, chain_dict: dict | None) -> None:
        """Show the chain the engine reports (see ChainModel.follow)."""
        if self.model.follow(chain_dict) or len(self.cards) != len(self.model.effects):
            self._rebuild()
        else:
            for card, effect in zip(self.cards, self.model.effects, strict=True):
                card.show_effect(effect)

    # --- cards ------------------------------------------------------------------------------------
    def _structure_changed(self) -> None:
        self._rebuild()
        self.chain_changed.emit(self.model.chain_to_send())
        self.edited.emit()

    def _rebuild(self) -> None:
        while self._row.count():
            item = self._row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.cards = []
        for row, effect in enumerate(self.model.effects):
            info = self.pedals.get(effect.entry["preset"]) if effect.is_neural else None
            card = EffectCard(effect, info)
            card.switched.connect(lambda on, row=row: self.switch(row, on))
            card.moved.connect(lambda step, row=row: self.move(row, step))
            card.removed.connect(lambda row=row: self.remove(row))
            card.parameter.connect(lambda name, value, row=row: self.set_parameter(row, name, value))
            card.setup.connect(lambda name, value, row=row: self.set_setup(row, name, value))
            card.impulse_response_requested.connect(lambda row=row: self._choose_impulse_response(row))
            card.left_button.setEnabled(row > 0)
            card.right_button.setEnabled(row < len(self.model.effects) - 1)
            self._row.addWidget(card)
            self.cards.append(card)
        if not self.model.effects:
            hint = QLabel("No effects: pick a preset, or add an effect.")
            hint.setObjectName("hint")
            self._row.addWidget(hint)
        self.ask_for_pedals()

    def ask_for_pedals(self) -> None:
        """Emit pedal_needed for each neural pedal whose preset is not known yet."""
        for effect in self.model.effects:
            if effect.is_neural and effect.entry["preset"] not in self.pedals:
                self.pedal_needed.emit(effect.entry["preset"])

    def playing_pedal(self) -> PresetInfo | None:
        """What the first neural pedal plays (the one MIDI CCs and unaddressed parameters reach)."""
        row = self.model.neural_row()
        return None if row is None else self.pedals.get(self.model.effects[row].entry["preset"])
