"""The chain editor: the program's effects as pedals in a row, signal flowing left to right.

Each card has an on/off switch, ◀ ▶ to move it, ✕ to remove it and a slider with a value box
per parameter. The editor changes its `ChainModel` and says what the engine must do:
`chain_changed(chain)` when effects were added, removed, moved or switched (load that chain),
`parameter_changed(name, value, effect)` when a value of a playing effect moved.
"""

from __future__ import annotations

import math
from pathlib import Path

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .chain_model import ChainModel, EditorEffect
from .effects import EFFECTS, ParameterSpec, effect_label, new_effect_entry, specs_for
from .layout import section_header

SLIDER_STEPS = 1000


class ParameterControl(QWidget):
    """A labelled slider and value box for one parameter, in the spec's display units.

    Signals:
        changed(name, value): the user moved it; value in the engine's units.
    """

    changed = pyqtSignal(str, float)

    def __init__(self, spec: ParameterSpec, value: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.box = QDoubleSpinBox()
        low, high = spec.minimum * spec.scale, spec.maximum * spec.scale
        self.box.setRange(low, high)
        self.box.setDecimals(_decimals(low, high))
        self.box.setSingleStep(10 ** -self.box.decimals() * (10 if high - low > 10 else 1))
        self.box.setSuffix(f" {spec.unit}" if spec.unit else "")
        self.box.setKeyboardTracking(False)  # one change when typing ends, not one per key
        self.box.setAccessibleName(spec.label)
        label = QLabel(spec.label)
        label.setObjectName("parameterLabel")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(label)
        top.addStretch()
        top.addWidget(self.box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.slider)
        self.value = spec.clamp(value)
        self._show(self.value)
        self.slider.valueChanged.connect(self._slid)
        self.box.valueChanged.connect(self._typed)

    def set_value(self, value: float) -> None:
        """Show a value the engine reports (ignored while the user holds the slider)."""
        if self.slider.isSliderDown() or math.isclose(value, self.value, rel_tol=1e-6, abs_tol=1e-9):
            return
        self.value = self.spec.clamp(value)
        self._show(self.value)

    def _show(self, value: float) -> None:
        for widget in (self.slider, self.box):
            widget.blockSignals(True)
        self.slider.setValue(self.spec.to_position(value, SLIDER_STEPS))
        self.box.setValue(value * self.spec.scale)
        for widget in (self.slider, self.box):
            widget.blockSignals(False)

    def _slid(self, position: int) -> None:
        self._user_value(self.spec.from_position(position, SLIDER_STEPS))

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
    """One effect of the chain.

    Signals:
        switched(bool): the on/off switch; moved(int): ◀ (-1) or ▶ (+1); removed();
        parameter(name, value).
    """

    switched = pyqtSignal(bool)
    moved = pyqtSignal(int)
    removed = pyqtSignal()
    parameter = pyqtSignal(str, float)

    def __init__(self, effect: EditorEffect, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        entry = effect.entry
        self.setObjectName("neuralCard" if effect.is_neural else "effectCard")
        self.setFixedWidth(220)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.power = QToolButton()
        self.power.setObjectName("power")
        self.power.setCheckable(True)
        self.power.setText("●")
        self.power.setToolTip("Switch this effect on or off")
        self.title = QLabel(Path(entry["preset"]).stem if effect.is_neural else effect_label(entry))
        self.title.setObjectName("presetName" if effect.is_neural else "cardTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # file and plugin names, never markup
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
        if effect.is_neural:
            caption = QLabel(effect_label(entry))
            caption.setObjectName("hint")
            caption.setTextFormat(Qt.TextFormat.PlainText)
            self.title.setToolTip(entry["preset"])
            layout.addWidget(caption)
        values = entry.get("parameters", {})
        self.controls: dict[str, ParameterControl] = {}
        for spec in specs_for(entry):
            control = ParameterControl(spec, float(values.get(spec.name, spec.clamp(0.0))))
            control.changed.connect(self.parameter)
            layout.addWidget(control)
            self.controls[spec.name] = control
        layout.addStretch()
        self.show_effect(effect)
        self.power.toggled.connect(self.switched)

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


class ChainEditor(QWidget):
    """Signals:
    chain_changed(dict): load this chain (`Chain.to_dict()` format) in the engine.
    parameter_changed(name, value, effect): set a parameter of the engine's effect `effect`.
    edited(): anything changed (for saving the settings).
    """

    chain_changed = pyqtSignal(dict)
    parameter_changed = pyqtSignal(str, object, int)
    edited = pyqtSignal()

    def __init__(self, model: ChainModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model or ChainModel()
        self.cards: list[EffectCard] = []
        self.add_button = QToolButton()
        self.add_button.setText("+ Add effect")
        self.add_button.setObjectName("addEffect")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.add_button)
        for class_name, label in EFFECTS.items():
            action = menu.addAction(label)
            action.triggered.connect(lambda checked=False, name=class_name: self.add_effect(name))
        self.add_button.setMenu(menu)
        self._row = QHBoxLayout()
        self._row.setContentsMargins(6, 6, 6, 6)
        self._row.setSpacing(6)
        strip = QWidget()
        strip.setObjectName("pedalboard")
        strip.setLayout(self._row)
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
        self._row.addWidget(_flow_label("IN"))
        for row, effect in enumerate(self.model.effects):
            card = EffectCard(effect)
            card.switched.connect(lambda on, row=row: self.switch(row, on))
            card.moved.connect(lambda step, row=row: self.move(row, step))
            card.removed.connect(lambda row=row: self.remove(row))
            card.parameter.connect(lambda name, value, row=row: self.set_parameter(row, name, value))
            card.left_button.setEnabled(row > 0)
            card.right_button.setEnabled(row < len(self.model.effects) - 1)
            self._row.addWidget(card)
            self.cards.append(card)
        if not self.model.effects:
            hint = QLabel("No effects: pick a preset, or add an effect.")
            hint.setObjectName("hint")
            self._row.addWidget(hint)
        self._row.addWidget(_flow_label("OUT"))
        self._row.addStretch()


def _flow_label(text: str) -> QLabel:
    label = QLabel(f"{text}\n▶" if text == "IN" else f"▶\n{text}")
    label.setObjectName("flow")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label
