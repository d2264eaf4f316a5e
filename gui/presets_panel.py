"""The preset browser: favourites, shipped presets, the user folder, opened files (.nfx and NAM's
.nam, opened or dropped); search; metadata; preset slots.

Preset files are read on a background thread (`read_folders`, no Qt), never on the GUI thread.
The slots are the list that MIDI Program Change n, next and previous choose from: a preset, or a
whole group (a folder) at once, whatever mix of .nfx and .nam it holds.
"""

from __future__ import annotations

import html
from pathlib import Path

from PyQt6.QtCore import Qt, QUrl, pyqtSignal
from PyQt6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent, QFont
from PyQt6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
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

from neuralfx.preset import PRESET_SUFFIXES, preset_dirs, preset_files, shipped_preset_dir, user_preset_dir

from .engine_link import Worker
from .layout import fix_width, pane, section_header
from .preset_info import PresetInfo

PATH_ROLE = Qt.ItemDataRole.UserRole
FAVOURITES = "★ Favourites"
SUFFIX_PATTERNS = " ".join(f"*{suffix}" for suffix in PRESET_SUFFIXES)
OPEN_FILTER = f"Presets ({SUFFIX_PATTERNS});;neuralfx presets (*.nfx);;NAM models (*.nam)"


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
        files = preset_files(folder)
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
        self.favourites: list[str] = []
        self.slots: list[str] = []
        self.infos: dict[Path, PresetInfo] = {}
        self.current_slot: int | None = None
        self._groups: list[tuple[str, list[PresetInfo]]] = []
        self.setAcceptDrops(True)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search: name, pedal, gear, tone…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.rescan_button = QToolButton()
        self.rescan_button.setText("↻")
        self.rescan_button.setToolTip("Read the preset folders again (new or changed files)")
        self.rescan_button.clicked.connect(self.rescan)
        open_button = QToolButton()
        open_button.setText("Open…")
        open_button.setToolTip("Open .nfx or .nam files (or drop them here)")
        open_button.clicked.connect(self._open_dialog)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.rescan_button)
        search_row.addWidget(open_button)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Preset", "ESR"])
        self.tree.setRootIsDecorated(True)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setWordWrap(True)  # long names break between words, never inside one
        self.tree.setUniformRowHeights(False)
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
        self.add_slot_button.setToolTip("Add this preset to the slots (a group: all of its presets)")
        self.add_slot_button.clicked.connect(self._add_current_to_slots)
        self.favourite_button = QPushButton("☆")
        self.favourite_button.setCheckable(True)
        self.favourite_button.setToolTip("Favourite: listed first, under ★ Favourites")
        self.favourite_button.clicked.connect(self._favourite_clicked)
        self.folder_button = QPushButton()
        self.folder_button.clicked.connect(self._user_folder_clicked)
        actions = QHBoxLayout()
        for button in (self.play_button, self.add_slot_button, self.favourite_button, self.folder_button):
            actions.addWidget(button)
        fix_width(self.favourite_button, "☆", "★")
        fix_width(self.folder_button, "Your folder", "Create your folder")

        self.slot_list = QListWidget()
        self.slot_list.setWordWrap(True)
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
        split.addWidget(pane(search_row, self.tree, actions, self.details, expand=self.tree))
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
        self._groups = groups
        self.infos = {info.path: info for _, infos in groups for info in infos}
        self._fill_tree()
        self._show_slots()
        self._update_folder_button()

    def _fill_tree(self) -> None:
        """The groups, favourites first, as far as the search lets them through."""
        current = self.tree.currentItem()
        keep = (current.data(0, PATH_ROLE), current.parent() is None) if current is not None else None
        words = self.search.text().lower().split()
        favourites = [self.infos[Path(p)] for p in self.favourites if Path(p) in self.infos]
        groups = [(FAVOURITES, favourites)] if favourites else []
        self.tree.clear()
        for label, infos in groups + self._groups:
            shown = [info for info in infos if info.matches(words)]
            if words and not shown:
                continue
            group = QTreeWidgetItem([label])
            group.setData(0, PATH_ROLE, label)  # a group: its presets go to the slots together
            font = QFont(group.font(0))
            font.setBold(True)
            group.setFont(0, font)
            self.tree.addTopLevelItem(group)
            if not infos:
                hint = QTreeWidgetItem(["(empty: copy .nfx or .nam files here)"])
                hint.setFlags(Qt.ItemFlag.NoItemFlags)
                group.addChild(hint)
            for info in shown:
                esr = "" if info.validation_esr is None else f"{info.validation_esr:.3f}"
                item = QTreeWidgetItem([info.name, "error" if info.problem else esr])
                item.setData(0, PATH_ROLE, str(info.path))
                item.setToolTip(0, f"{info.name}\n{info.path}")
                group.addChild(item)
                if keep == (str(info.path), False) and self.tree.currentItem() is None:
                    self.tree.setCurrentItem(item)
            if keep == (label, True):
                self.tree.setCurrentItem(group)
            group.setExpanded(True)

    def _filter(self) -> None:
        self._fill_tree()
        if self.tree.currentItem() is None and self.items():
            self.tree.setCurrentItem(self.items()[0])  # Enter-free: the first match is ready to play

    def items(self) -> list[QTreeWidgetItem]:
        """Every preset item shown, in display order (favourites appear twice: in ★ Favourites too)."""
        found = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            found += [group.child(j) for j in range(group.childCount()) if group.child(j).data(0, PATH_ROLE)]
        return found

    def groups(self) -> dict[str, QTreeWidgetItem]:
        return {
            self.tree.topLevelItem(i).text(0): self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())
        }

    def select(self, path: str | Path) -> None:
        """Make the preset at `path` current (its item in its folder's group, not in Favourites)."""
        for item in reversed(self.items()):
            if Path(item.data(0, PATH_ROLE)) == Path(path):
                self.tree.setCurrentItem(item)
                return

    def _info(self, item: QTreeWidgetItem | None) -> PresetInfo | None:
        if item is None or item.parent() is None or not item.data(0, PATH_ROLE):
            return None
        return self.infos.get(Path(item.data(0, PATH_ROLE)))

    def _group_presets(self, group: QTreeWidgetItem) -> list[str]:
        """The usable presets of a group item, in order."""
        infos = [self._info(group.child(j)) for j in range(group.childCount())]
        return [str(info.path) for info in infos if info is not None and not info.problem]

    def _show_details(self, item: QTreeWidgetItem | None, previous=None) -> None:
        info = self._info(item)
        group = item is not None and item.parent() is None
        if group:
            count = len(self._group_presets(item))
            self.details.setText(f"<b>{html.escape(item.text(0))}</b><br>{count} presets: Add to slots adds them all.")
        else:
            self.details.setText(info.describe() if info else "")
        usable = info is not None and not info.problem
        self.play_button.setEnabled(usable)
        self.add_slot_button.setEnabled(usable or (group and bool(self._group_presets(item))))
        self.favourite_button.setEnabled(info is not None)
        favourite = info is not None and str(info.path) in self.favourites
        self.favourite_button.setChecked(favourite)
        self.favourite_button.setText("★" if favourite else "☆")

    def _play(self, item: QTreeWidgetItem | None) -> None:
        info = self._info(item)
        if info is not None and not info.problem:
            self.play_requested.emit(info.path)

    # --- favourites -------------------------------------------------------------------------------
    def set_favourite(self, path: str | Path, favourite: bool) -> None:
        path = str(Path(path))
        if favourite and path not in self.favourites:
            self.favourites.append(path)
        elif not favourite and path in self.favourites:
            self.favourites.remove(path)
        self._fill_tree()
        self._show_details(self.tree.currentItem())
        self.edited.emit()

    def _favourite_clicked(self, checked: bool) -> None:
        info = self._info(self.tree.currentItem())
        if info is not None:
            self.set_favourite(info.path, checked)

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
        paths, _ = QFileDialog.getOpenFileNames(self, "Open presets", "", OPEN_FILTER)
        if paths:
            self.open_files(paths)

    @staticmethod
    def _dropped_presets(event: QDragEnterEvent | QDropEvent) -> list[str]:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        paths = [url.toLocalFile() for url in urls if url.isLocalFile()]
        return [p for p in paths if Path(p).suffix.lower() in PRESET_SUFFIXES]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_presets(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Dropped .nfx and .nam files join "Opened files"."""
        paths = self._dropped_presets(event)
        if paths:
            event.acceptProposedAction()
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
        if item is None:
            return
        if item.parent() is None:  # a group: its presets, in order
            self._change_slots([*self.slots, *self._group_presets(item)])
        elif self._info(item) is not None:
            self._change_slots([*self.slots, str(self._info(item).path)])

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
