"""The preset browser: shipped presets, the user folder, opened files; metadata; preset slots.

Preset files are read on a background thread (`read_folders`, no Qt), never on the GUI thread.
The slots are the list that MIDI Program Change n, next and previous choose from.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

from PyQt6.QtCore import Qt, QUrl, pyqtSignal
from PyQt6.QtGui import QDesktopServices, QFont
from PyQt6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from neuralfx.preset import SUFFIX, PresetError, load_preset, preset_dirs, shipped_preset_dir, user_preset_dir

from .engine_link import Worker
from .layout import pane, section_header

PATH_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class PresetInfo:
    """What the browser shows of one preset file (`problem` set if it cannot be loaded)."""

    path: Path
    name: str
    pedal: str = ""
    validation_esr: float | None = None
    sample_rate: int = 0
    loudness_db: float | None = None
    knobs: dict = field(default_factory=dict)
    date: str = ""
    problem: str = ""

    @classmethod
    def read(cls, path: Path) -> PresetInfo:
        try:
            preset = load_preset(path)
        except PresetError as exc:
            return cls(path, path.stem, problem=exc.problem)
        m = preset.metadata
        return cls(path, m.name, m.pedal, m.validation_esr, preset.sample_rate, m.loudness_db, m.knobs, m.date)

    def describe(self) -> str:
        """Rich text for the details pane."""
        if self.problem:
            return f"<b>{html.escape(self.name)}</b><br><span style='color:#ff6b5b'>{html.escape(self.problem)}</span>"
        rows = [("Pedal", self.pedal or "—")]
        if self.validation_esr is not None:
            rows.append(("Validation ESR", f"{self.validation_esr:.4f} ({100 * self.validation_esr:.2f} %)"))
        else:
            rows.append(("Validation ESR", "not measured"))
        rows.append(("Sample rate", f"{self.sample_rate / 1000:g} kHz"))
        if self.loudness_db is not None:
            rows.append(("Loudness", f"{self.loudness_db:.1f} dBFS"))
        if self.knobs:
            rows.append(("Knobs", ", ".join(f"{k} {v}" for k, v in self.knobs.items())))
        rows.append(("Date", self.date[:10]))
        rows.append(("File", str(self.path)))
        table = "".join(
            f"<tr><td style='color:#8a9099;padding-right:8px'>{k}</td><td>{html.escape(v)}</td></tr>" for k, v in rows
        )
        return f"<b style='font-size:large'>{html.escape(self.name)}</b><table>{table}</table>"


def folder_label(folder: Path) -> str:
    if folder == shipped_preset_dir():
        return "Shipped with neuralfx"
    if folder == user_preset_dir():
        return "Your presets"
    return str(folder)


def read_folders(opened: list[str]) -> list[tuple[str, list[PresetInfo]]]:
    """(group label, presets) for each preset folder that holds presets, then the opened files.
    Runs on a background thread: it reads every file."""
    groups = []
    for folder in dict.fromkeys(preset_dirs()):  # a folder may be listed twice
        files = sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []
        if files or folder == user_preset_dir():
            groups.append((folder_label(folder), [PresetInfo.read(path) for path in files]))
    if opened:
        groups.append(("Opened files", [PresetInfo.read(Path(p)) for p in opened]))
    return groups


class PresetBrowser(QWidget):
    """Signals:
    play_requested(Path): play this preset (it replaces the chain's neural pedal).
    slots_changed(list): the preset slots changed (paths, as strings).
    slot_chosen(int): play slot i.
    edited(): the opened files or slots changed (for saving the settings).
    """

    play_requested = pyqtSignal(Path)
    slots_changed = pyqtSignal(list)
    slot_chosen = pyqtSignal(int)
    edited = pyqtSignal()

    def __init__(self, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self.opened: list[str] = []
        self.slots: list[str] = []
        self.infos: dict[Path, PresetInfo] = {}
        self.current_slot: int | None = None
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Preset", "ESR"])
        self.tree.setRootIsDecorated(True)
        self.tree.setColumnWidth(0, 220)
        self.tree.currentItemChanged.connect(self._show_details)
        self.tree.itemDoubleClicked.connect(lambda item, column: self._play(item))
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.play_button = QPushButton("▶ Play")
        self.play_button.setObjectName("primary")
        self.play_button.clicked.connect(lambda: self._play(self.tree.currentItem()))
        self.add_slot_button = QPushButton("Add to slots")
        self.add_slot_button.clicked.connect(self._add_current_to_slots)
        open_button = QPushButton("Open file…")
        open_button.clicked.connect(self._open_dialog)
        self.folder_button = QPushButton()
        self.folder_button.clicked.connect(self._user_folder_clicked)
        actions = QHBoxLayout()
        for button in (self.play_button, self.add_slot_button, open_button, self.folder_button):
            actions.addWidget(button)

        self.slot_list = QListWidget()
        self.slot_list.itemDoubleClicked.connect(lambda item: self.slot_chosen.emit(self.slot_list.row(item)))
        buttons = []
        for text, tip, handler in (
            ("▲", "Move up", lambda: self._move_slot(-1)),
            ("▼", "Move down", lambda: self._move_slot(+1)),
            ("✕", "Remove from the slots", self._remove_slot),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(handler)
            buttons.append(button)
        self.up_button, self.down_button, self.remove_slot_button = buttons
        tip = "Program Change n plays slot n+1; next/previous step through the slots"
        slot_header = section_header("Slots", *buttons, tooltip=tip)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(pane(self.tree, actions, self.details, expand=self.tree))
        split.addWidget(pane(slot_header, self.slot_list))
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)
        self._update_folder_button()

    # --- scanning ---------------------------------------------------------------------------------
    def rescan(self) -> None:
        """Read the preset folders again (in the background)."""
        self._worker.run(lambda: read_folders(list(self.opened)), self._show_groups, self._failed)

    def _failed(self, message: str) -> None:
        self.details.setText(f"<span style='color:#ff6b5b'>Cannot read the presets: {html.escape(message)}</span>")

    def _show_groups(self, groups: list[tuple[str, list[PresetInfo]]]) -> None:
        current = self.tree.currentItem()
        keep = current.data(0, PATH_ROLE) if current is not None else None
        self.tree.clear()
        self.infos = {}
        for label, infos in groups:
            group = QTreeWidgetItem([label])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = QFont(group.font(0))
            font.setBold(True)
            group.setFont(0, font)
            self.tree.addTopLevelItem(group)
            if not infos:
                hint = QTreeWidgetItem(["(empty: save or copy .nfx files here)"])
                hint.setFlags(Qt.ItemFlag.NoItemFlags)
                group.addChild(hint)
            for info in infos:
                esr = "" if info.validation_esr is None else f"{info.validation_esr:.3f}"
                item = QTreeWidgetItem([info.name, "error" if info.problem else esr])
                item.setData(0, PATH_ROLE, str(info.path))
                item.setToolTip(0, str(info.path))
                group.addChild(item)
                self.infos[info.path] = info
                if str(info.path) == keep:
                    self.tree.setCurrentItem(item)
            group.setExpanded(True)
        self._show_slots()
        self._update_folder_button()

    def items(self) -> list[QTreeWidgetItem]:
        """Every preset item, in display order."""
        found = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            found += [group.child(j) for j in range(group.childCount()) if group.child(j).data(0, PATH_ROLE)]
        return found

    def select(self, path: str | Path) -> None:
        for item in self.items():
            if Path(item.data(0, PATH_ROLE)) == Path(path):
                self.tree.setCurrentItem(item)

    def _show_details(self, item: QTreeWidgetItem | None, previous=None) -> None:
        path = item.data(0, PATH_ROLE) if item is not None else None
        info = self.infos.get(Path(path)) if path else None
        self.details.setText(info.describe() if info else "")
        usable = info is not None and not info.problem
        self.play_button.setEnabled(usable)
        self.add_slot_button.setEnabled(usable)

    def _play(self, item: QTreeWidgetItem | None) -> None:
        path = item.data(0, PATH_ROLE) if item is not None else None
        if path and not self.infos[Path(path)].problem:
            self.play_requested.emit(Path(path))

    # --- files and folders ------------------------------------------------------------------------
    def open_files(self, paths: list[str]) -> None:
        """Add preset files to "Opened files" (kept in the settings)."""
        for path in paths:
            path = str(Path(path).absolute())
            if path not in self.opened:
                self.opened.append(path)
        self.edited.emit()
        self.rescan()

    def _open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open presets", "", f"neuralfx presets (*{SUFFIX})")
        if paths:
            self.open_files(paths)

    def create_user_folder(self) -> Path:
        folder = user_preset_dir()
        folder.mkdir(parents=True, exist_ok=True)
        self._update_folder_button()
        self.rescan()
        return folder

    def _user_folder_clicked(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.create_user_folder())))

    def _update_folder_button(self) -> None:
        exists = user_preset_dir().is_dir()
        self.folder_button.setText("Your folder" if exists else "Create your folder")
        self.folder_button.setToolTip(f"{user_preset_dir()}\nPresets saved there appear here by name.")

    # --- slots ------------------------------------------------------------------------------------
    def set_slots(self, slots: list[str]) -> None:
        """Show these slots (no signal: for restoring settings)."""
        self.slots = list(slots)
        self._show_slots()

    def show_current_slot(self, slot: int | None) -> None:
        if slot != self.current_slot:
            self.current_slot = slot
            self._show_slots()

    def _add_current_to_slots(self) -> None:
        item = self.tree.currentItem()
        if item is not None and item.data(0, PATH_ROLE):
            self._change_slots([*self.slots, item.data(0, PATH_ROLE)])

    def _move_slot(self, step: int) -> None:
        row = self.slot_list.currentRow()
        target = row + step
        if 0 <= row < len(self.slots) and 0 <= target < len(self.slots):
            slots = list(self.slots)
            slots.insert(target, slots.pop(row))
            self._change_slots(slots)
            self.slot_list.setCurrentRow(target)

    def _remove_slot(self) -> None:
        row = self.slot_list.currentRow()
        if 0 <= row < len(self.slots):
            self._change_slots(self.slots[:row] + self.slots[row + 1 :])

    def _change_slots(self, slots: list[str]) -> None:
        self.set_slots(slots)
        self.slots_changed.emit(list(self.slots))
        self.edited.emit()

    def slot_names(self) -> list[str]:
        """The slots' preset names (file names until the folders have been read)."""
        return [self.infos[Path(p)].name if Path(p) in self.infos else Path(p).stem for p in self.slots]

    def _show_slots(self) -> None:
        row = self.slot_list.currentRow()
        self.slot_list.clear()
        for i, (reference, name) in enumerate(zip(self.slots, self.slot_names(), strict=True)):
            playing = i == self.current_slot
            item = QListWidgetItem(f"{'▶' if playing else ' '} {i + 1:>2}   {name}")
            item.setToolTip(f"{reference}\nProgram Change {i} plays it")
            if playing:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            self.slot_list.addItem(item)
        self.slot_list.setCurrentRow(min(row, len(self.slots) - 1))
