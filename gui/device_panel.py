"""Audio device settings: host API (JACK included), devices, input channel, rate, block size,
and the input source (the device, or a DI file looped so you can try it without a guitar).

Devices are listed on a background thread the first time the panel is shown (PortAudio scans
once per process). Changes apply when the engine (re)starts.
"""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from neuralfx.engine import AudioDevice, EngineSettings

from .engine_link import Worker
from .layout import field_with_button

SAMPLE_RATES = (44100, 48000, 88200, 96000)
BLOCK_SIZES = (32, 64, 128, 256, 512, 1024)


def _scan() -> tuple[list[str], list[AudioDevice]]:
    from neuralfx.engine import host_apis, list_devices

    return host_apis(), list_devices()


class DevicePanel(QWidget):
    """Signals: edited(): a setting changed (it applies at the next start)."""

    edited = pyqtSignal()

    def __init__(self, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._devices: list[AudioDevice] = []
        self._scanned = False
        self.preset_rate: int | None = None  # the sample rate of the preset in the chain
        self.host_api, self.input_device, self.output_device = QComboBox(), QComboBox(), QComboBox()
        for combo in (self.host_api, self.input_device, self.output_device):
            combo.addItem("Default", None)
        self.input_channel = QSpinBox()
        self.input_channel.setRange(1, 64)
        self.sample_rate = QComboBox()
        self.sample_rate.addItem("Device default", None)
        for rate in SAMPLE_RATES:
            self.sample_rate.addItem(f"{rate} Hz", rate)
        self.block_size = QComboBox()
        for size in BLOCK_SIZES:
            self.block_size.addItem(f"{size} frames ({1000 * size / 48000:.1f} ms at 48 kHz)", size)
        self.use_device = QRadioButton("Audio input (your guitar)")
        self.use_file = QRadioButton("Loop a file (no guitar needed)")
        self._source = QButtonGroup(self)
        self._source.addButton(self.use_device)
        self._source.addButton(self.use_file)
        self.input_file = QLineEdit()
        self.input_file.setPlaceholderText("a DI recording: wav, flac, aiff, ogg or mp3")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("hint")

        form = QFormLayout()
        form.addRow("Audio system", self.host_api)
        form.addRow("Input device", self.input_device)
        form.addRow("Input channel", self.input_channel)
        form.addRow("Output device", self.output_device)
        form.addRow("Sample rate", self.sample_rate)
        form.addRow("Block size", self.block_size)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Input"))
        layout.addWidget(self.use_device)
        layout.addWidget(self.use_file)
        layout.addLayout(field_with_button(self.input_file, "Browse…", self._browse))
        layout.addWidget(self.note)
        layout.addStretch()

        for combo in (self.host_api, self.input_device, self.output_device, self.sample_rate, self.block_size):
            combo.currentIndexChanged.connect(self._changed)
        self.input_channel.valueChanged.connect(self._changed)
        self.use_file.toggled.connect(self._changed)
        self.input_file.editingFinished.connect(self._changed)

    # --- settings in and out ----------------------------------------------------------------------
    def load(self, settings: EngineSettings) -> None:
        """Show these settings (no `edited` signal)."""
        self.blockSignals(True)
        _choose(self.host_api, settings.host_api, settings.host_api)
        _choose(self.input_device, settings.input_device, str(settings.input_device))
        _choose(self.output_device, settings.output_device, str(settings.output_device))
        self.input_channel.setValue(settings.input_channel + 1)
        _choose(self.sample_rate, settings.sample_rate, f"{settings.sample_rate} Hz")
        _choose(self.block_size, settings.block_size, f"{settings.block_size} frames")
        self.use_file.setChecked(settings.input_file is not None)
        self.use_device.setChecked(settings.input_file is None)
        self.input_file.setText(settings.input_file or "")
        self.blockSignals(False)
        self._update_note()

    def apply_to(self, settings: EngineSettings) -> None:
        """Write the chosen devices into `settings`."""
        settings.host_api = self.host_api.currentData()
        settings.input_device = self.input_device.currentData()
        settings.output_device = self.output_device.currentData()
        settings.input_channel = self.input_channel.value() - 1
        settings.sample_rate = self.sample_rate.currentData()
        settings.block_size = self.block_size.currentData()
        path = self.input_file.text().strip()
        settings.input_file = path if self.use_file.isChecked() and path else None

    def show_preset_rate(self, sample_rate: int | None) -> None:
        """The sample rate of the preset in the chain (None: no preset), for the note on resampling."""
        self.preset_rate = sample_rate
        self._update_note()

    # --- devices ----------------------------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._scanned:
            self._scanned = True
            self.note.setText("Looking for audio devices…")
            self._worker.run(_scan, self._show_devices, lambda message: self.note.setText(f"No devices: {message}"))

    def _show_devices(self, found: tuple[list[str], list[AudioDevice]]) -> None:
        apis, self._devices = found
        self.blockSignals(True)
        chosen = self.host_api.currentData()
        self.host_api.clear()
        self.host_api.addItem("Default", None)
        for api in apis:
            self.host_api.addItem(api, api)
        _choose(self.host_api, chosen, chosen)
        self.blockSignals(False)
        self._fill_devices()
        self._update_note()

    def _fill_devices(self) -> None:
        api = self.host_api.currentData()
        devices = [d for d in self._devices if api is None or api.lower() in d.host_api.lower()]
        self.blockSignals(True)
        for combo, kind in ((self.input_device, "input"), (self.output_device, "output")):
            chosen = combo.currentData()
            combo.clear()
            combo.addItem("Default", None)
            for device in devices:
                if getattr(device, f"max_{kind}_channels") > 0:
                    combo.addItem(device.name, device.name)
            _choose(combo, chosen, chosen)
        self.blockSignals(False)

    def _changed(self) -> None:
        if self.signalsBlocked():
            return
        if self.sender() is self.host_api:
            self._fill_devices()
        self._update_note()
        self.edited.emit()

    def _update_note(self) -> None:
        jack = "jack" in (self.host_api.currentData() or "").lower()
        self.block_size.setEnabled(not jack)
        self.block_size.setToolTip("The JACK server's period sets the block size" if jack else "")
        self.input_file.setEnabled(self.use_file.isChecked())
        notes = ["Changes apply when the engine starts."]
        if jack:
            notes.append("JACK: the server sets the rate and block size; connect neuralfx:in_0 and out_0.")
        rate = self.sample_rate.currentData()
        if self.preset_rate and rate not in (None, self.preset_rate):
            notes.append(
                f"The preset runs at {self.preset_rate / 1000:g} kHz, the rate it was trained at: "
                f"{rate / 1000:g} kHz adds resampling and a little latency."
            )
        self.note.setText(" ".join(notes))

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Loop a DI file", "", "Audio (*.wav *.flac *.aiff *.ogg *.mp3)")
        if path:
            self.input_file.setText(path)
            self.use_file.setChecked(True)
            self._changed()


def _choose(combo: QComboBox, value, text: str) -> None:
    """Select the item holding `value`; a value not listed (a device not plugged in now) is
    added as `text`, so that it is kept."""
    index = combo.findData(value)
    if index < 0:
        combo.addItem(text, value)
        index = combo.count() - 1
    combo.setCurrentIndex(index)
