"""MIDI settings: the input port, the channel filter, and a learn button for every action.

MIDI learn happens in the engine (it owns the port): "Learn" arms it for one action, the next
accepted MIDI message becomes that action's trigger, and the engine reports the new map. This
panel shows the map it is given (`show_map`) and asks for changes through its signals. When a
learned trigger took over another action's, it says which (`show_learned`) and offers Undo;
"Restore defaults" brings back the default map.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from neuralfx.commands import Command
from neuralfx.engine import EngineSettings
from neuralfx.midi import PARAMETER_RANGES, Binding, MidiMap, trigger_text
from neuralfx.models import ModelParameter

from .engine_link import Worker
from .layout import field_with_button
from .preset_info import control_label

_SWEEPS = "A CC (an expression pedal or a knob) sweeps this over its range"
ROLES: tuple[tuple[str, Binding, str], ...] = (
    ("Bypass: toggle", Binding(Command.TOGGLE_BYPASS), "Each press (value ≥ 64) switches the effect on or off"),
    ("Bypass: momentary", Binding(Command.TOGGLE_BYPASS, momentary=True), "Press to switch, release to switch back"),
    (
        "Bypass: on ≥ 64",
        Binding(Command.SET_BYPASS),
        "Values ≥ 64 switch the effect on, values < 64 off (latching switches)",
    ),
    ("Next preset", Binding(Command.NEXT_PRESET), "Plays the next preset slot (a CC press or a Program Change)"),
    (
        "Previous preset",
        Binding(Command.PREVIOUS_PRESET),
        "Plays the previous preset slot (a CC press or a Program Change)",
    ),
    ("Output level", Binding(Command.SET_PARAMETER, parameter="output_gain_db"), _SWEEPS),
    ("Mix", Binding(Command.SET_PARAMETER, parameter="mix"), _SWEEPS),
    ("Input gain", Binding(Command.SET_PARAMETER, parameter="input_gain_db"), _SWEEPS),
)
"""(label, binding, tip) of each trigger that can be learned, besides the playing pedal's knobs and one
Program Change per preset slot."""

ANY_PROGRAM = Binding(Command.SELECT_PRESET).to_dict()
"""The binding "Program Change n plays slot n+1"."""


def triggers_text(bindings: list[dict]) -> str:
    """The triggers of these bindings (e.g. "CC 102, Program 3"), "—" for none."""
    triggered = [b for b in map(Binding.from_dict, bindings) if b.control is not None or b.program is not None]
    return ", ".join(map(trigger_text, triggered)) or "—"


class MidiPanel(QWidget):
    """Signals:
    learn_requested(dict): arm MIDI learn for this binding (`Binding.to_dict()`).
    learn_cancelled().
    map_changed(dict): use this MIDI map (`MidiMap.to_dict()`).
    ports_edited(): the port settings changed (they apply when the engine starts).
    """

    learn_requested = pyqtSignal(dict)
    learn_cancelled = pyqtSignal()
    map_changed = pyqtSignal(dict)
    ports_edited = pyqtSignal()

    def __init__(self, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self.midi_api: str | None = None
        self.midi_map = MidiMap.default().to_dict()
        self.learning: dict | None = None
        self.slot_names: list[str] = []
        self.controls: tuple[ModelParameter, ...] = ()
        self.running = False

        self.port = QComboBox()
        self.port.setEditable(True)
        self.port.addItem("(none)", None)
        self.port.setToolTip("A MIDI port to listen to: its name, or a part of it")
        self.own_port = QLineEdit()
        self.own_port.setPlaceholderText("e.g. footswitch (empty: none)")
        self.own_port.setToolTip("Create a MIDI input port with this name, for a controller or DAW to connect to")
        self.channel = QComboBox()
        self.channel.addItem("All channels", None)
        for channel in range(16):
            self.channel.addItem(f"Channel {channel + 1}", channel)
        self.any_program = QCheckBox("Program Change n plays slot n + 1")
        self.listening = QLabel()
        self.listening.setObjectName("hint")
        self.listening.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Listen to port", field_with_button(self.port, "Scan", self.scan_ports))
        form.addRow("Own port", self.own_port)
        form.addRow("Channel", self.channel)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Action", "Trigger", "", ""])
        self.table.verticalHeader().hide()
        # a long slot name wraps between words (the row grows) rather than being cut inside one
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.learn_buttons: dict[tuple, QPushButton] = {}
        self.notice = QLabel()
        self.notice.setObjectName("warning")
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Put the MIDI map back as it was before this change")
        self.undo_button.clicked.connect(self._undo)
        self.restore_button = QPushButton("Restore defaults")
        self.restore_button.setToolTip("CC 102 toggles bypass; Program Change n plays slot n + 1; nothing else")
        self.restore_button.clicked.connect(self.restore_defaults)
        self._undo_map: dict | None = None
        self._show_notice("")
        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addStretch()
        buttons.addWidget(self.restore_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.listening)
        layout.addWidget(self.any_program)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.notice)
        layout.addLayout(buttons)

        self.port.currentTextChanged.connect(lambda text: self.ports_edited.emit())
        self.own_port.editingFinished.connect(self.ports_edited)
        self.channel.currentIndexChanged.connect(self._channel_chosen)
        self.any_program.toggled.connect(self._any_program_toggled)
        self._rebuild()

    # --- settings ---------------------------------------------------------------------------------
    def load(self, settings: EngineSettings) -> None:
        self.port.blockSignals(True)
        if settings.midi_port and self.port.findData(settings.midi_port) < 0:
            self.port.addItem(settings.midi_port, settings.midi_port)
        self.port.setCurrentIndex(max(0, self.port.findData(settings.midi_port)))
        self.port.blockSignals(False)
        self.own_port.setText(settings.midi_virtual_port or "")

    def apply_to(self, settings: EngineSettings) -> None:
        text = self.port.currentText().strip()
        settings.midi_port = None if not text or text == "(none)" else text
        settings.midi_virtual_port = self.own_port.text().strip() or None

    def scan_ports(self) -> None:
        """List the MIDI ports (in the background)."""
        from neuralfx.engine import list_midi_ports

        api = self.midi_api
        self._worker.run(lambda: list_midi_ports(api), self._show_ports, self._scan_failed)

    def _show_ports(self, names: list[str]) -> None:
        chosen = self.port.currentText()
        self.port.blockSignals(True)
        self.port.clear()
        self.port.addItem("(none)", None)
        for name in names:
            self.port.addItem(name, name)
        self.port.setCurrentText(chosen)
        self.port.blockSignals(False)
        if not names:
            self.listening.setText("No MIDI ports found. Use an own port, and connect your controller to it.")

    def _scan_failed(self, message: str) -> None:
        self.listening.setText(f"Cannot list MIDI ports: {message}")

    # --- the map ----------------------------------------------------------------------------------
    def show_map(
        self,
        midi_map: dict,
        learning: dict | None,
        slot_names: list[str],
        running: bool,
        ports: tuple = (),
        controls: tuple[ModelParameter, ...] = (),
    ) -> None:
        """Show the engine's map, what it is learning, the slots, the ports it listens to and the
        playing pedal's own controls (its knobs: a CC can sweep each)."""
        before = [role for _, role, _ in self.roles()]
        self.midi_map, self.learning, self.slot_names, self.running = midi_map, learning, list(slot_names), running
        self.controls = tuple(controls)
        rebuild = [role for _, role, _ in self.roles()] != before
        if running:
            self.listening.setText(
                "Listening to " + ", ".join(ports) if ports else "No MIDI port: choose one, then restart the engine."
            )
        else:
            self.listening.setText("MIDI learn works while the engine runs.")
        self.channel.blockSignals(True)
        self.channel.setCurrentIndex(max(0, self.channel.findData(midi_map.get("channel"))))
        self.channel.blockSignals(False)
        self.any_program.blockSignals(True)
        self.any_program.setChecked(ANY_PROGRAM in midi_map["bindings"])
        self.any_program.blockSignals(False)
        if rebuild:
            self._rebuild()
        else:
            self._refresh()

    def roles(self) -> list[tuple[str, Binding, str]]:
        knobs = [
            (f"{control_label(c.name)} (knob)", Binding(Command.SET_PARAMETER, parameter=c.name), _SWEEPS)
            for c in self.controls
        ]
        playing = {c.name for c in self.controls}
        elsewhere = dict.fromkeys(  # knobs bound in the map that the playing pedal lacks: they can be cleared
            b["parameter"]
            for b in self.midi_map["bindings"]
            if b["command"] == Command.SET_PARAMETER and b["parameter"] not in {*PARAMETER_RANGES, *playing}
        )
        knobs += [
            (f"{control_label(name)} (not on this pedal)", Binding(Command.SET_PARAMETER, parameter=name), _SWEEPS)
            for name in elsewhere
        ]
        slots = [
            (f"Slot {i + 1}: {name}", Binding(Command.SELECT_PRESET, slot=i), "A Program Change plays this slot")
            for i, name in enumerate(self.slot_names)
        ]
        return [*ROLES, *knobs, *slots]

    def _rebuild(self) -> None:
        roles = self.roles()
        self.table.setRowCount(len(roles))
        self.learn_buttons = {}
        for row, (label, binding, tip) in enumerate(roles):
            item = QTableWidgetItem(label)
            item.setToolTip(tip)
            self.table.setItem(row, 0, item)
            self.table.setItem(row, 1, QTableWidgetItem())
            learn = QPushButton("Learn")
            learn.setCheckable(True)
            learn.clicked.connect(lambda checked, b=binding: self._learn_clicked(b, checked))
            learn.setToolTip("Then move the controller: its first message becomes the trigger")
            clear = QPushButton("Clear")
            clear.clicked.connect(lambda checked=False, b=binding: self.clear(b))
            for button in (learn, clear):
                button.setFixedWidth(64)
            self.table.setCellWidget(row, 2, learn)
            self.table.setCellWidget(row, 3, clear)
            self.learn_buttons[binding.role] = learn
        self._refresh()

    def _refresh(self) -> None:
        waiting = Binding.from_dict(self.learning).role if self.learning else None
        for row, (_, binding, _) in enumerate(self.roles()):
            key = binding.role
            bound = [b for b in self.midi_map["bindings"] if Binding.from_dict(b).role == key]
            self.table.item(row, 1).setText("waiting…" if key == waiting else triggers_text(bound))
            button = self.learn_buttons[key]
            button.setChecked(key == waiting)
            button.setText("Cancel" if key == waiting else "Learn")
            button.setEnabled(self.running)

    def trigger_of(self, binding: Binding) -> str:
        """The trigger shown for an action (e.g. "CC 102")."""
        row = [b.role for _, b, _ in self.roles()].index(binding.role)
        return self.table.item(row, 1).text()

    def _learn_clicked(self, binding: Binding, checked: bool) -> None:
        if checked:
            self.learn_requested.emit(binding.to_dict())
        else:
            self.learn_cancelled.emit()

    def label_of(self, binding: Binding) -> str:
        """The action's name as the table shows it (e.g. "Bypass: toggle")."""
        labels = {b.role: label for label, b, _ in self.roles()}
        return labels.get(binding.role, binding.command.value)

    def show_learned(self, learned: dict, before: dict) -> None:
        """Say what a "learned" event's trigger took from other actions (its `data`), and offer to
        undo it (back to the map `before`)."""
        replaced = [Binding.from_dict(b) for b in learned["replaced"]]
        if not replaced:
            self._show_notice("")
            return
        binding = Binding.from_dict(learned["binding"])
        others = ", ".join(f"“{self.label_of(b)}”" for b in replaced)
        self._show_notice(
            f"{trigger_text(binding)} now sends “{self.label_of(binding)}”: it no longer sends {others}.", before
        )

    def restore_defaults(self) -> None:
        """The default map: CC 102 toggles bypass, Program Change n plays slot n + 1."""
        before = self.midi_map
        self._change(**MidiMap.default().to_dict())
        text = "The default MIDI map is back: CC 102 toggles bypass, Program Change n plays slot n + 1."
        self._show_notice(text, before)

    def _show_notice(self, text: str, undo_to: dict | None = None) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        self._undo_map = undo_to
        self.undo_button.setVisible(undo_to is not None)

    def _undo(self) -> None:
        if self._undo_map is not None:
            self._change(**self._undo_map)
        self._show_notice("")

    def clear(self, binding: Binding) -> None:
        """Remove the triggers of an action."""
        self._change(bindings=[b for b in self.midi_map["bindings"] if Binding.from_dict(b).role != binding.role])

    def _channel_chosen(self) -> None:
        self._change(channel=self.channel.currentData())

    def _any_program_toggled(self, on: bool) -> None:
        others = [b for b in self.midi_map["bindings"] if b != ANY_PROGRAM]
        self._change(bindings=[*others, ANY_PROGRAM] if on else others)

    def _change(self, **changes) -> None:
        self.midi_map = MidiMap.from_dict({**self.midi_map, **changes}).to_dict()
        self._refresh()
        self.map_changed.emit(self.midi_map)
