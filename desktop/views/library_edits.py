"""The Library tab's edits: rename and delete a voice (context menu), a clip's emotion label and transcript, a
voice's tags, and playing a clip. Each change runs on a worker and becomes one step of the voice's history."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem

from .clip_table import ClipTable


class LibraryEdits:
    """Mixed into :class:`desktop.views.library.LibraryView` (uses its ``ctx``, tables and signals)."""

    def _voice_menu(self, pos) -> None:
        from PySide6.QtWidgets import QMenu

        index = self.voices.indexAt(pos)
        name = index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None
        if not name:
            return
        menu = QMenu(self)
        menu.addAction(self.tr("Rename…"), lambda: self.ask_rename(name))
        menu.addAction(self.tr("Delete…"), lambda: self.ask_delete(name))
        menu.popup(self.voices.viewport().mapToGlobal(pos))

    def ask_rename(self, name: str) -> None:
        from PySide6.QtWidgets import QInputDialog

        new, ok = QInputDialog.getText(self, self.tr("Rename voice"), self.tr("New name for “%1”:").replace("%1", name),
                                       text=name)
        if ok and new.strip() and new.strip() != name:
            self.rename_voice(name, new.strip())

    def rename_voice(self, name: str, new: str) -> None:
        def work(task):
            with self.ctx.part("library").edit(name, action="rename", summary=f"renamed to {new}") as ed:
                ed.rename(new)
            return new

        def done(result: str) -> None:
            if self.current_voice == name:
                self.current_voice = result
            self.schedule_refresh()
            self.voiceRenamed.emit(name, result)

        self.ctx.run(work, label=self.tr("Renaming the voice"), on_done=done,
                     on_error=self.ctx.report(self.tr("Could not rename the voice")))

    def ask_delete(self, name: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(
            self, self.tr("Delete voice"),
            self.tr("Delete “%1” with its clips and cues? Its history is deleted too; clip audio other voices use "
                    "is kept.").replace("%1", name))
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_voice(name)

    def delete_voice(self, name: str) -> None:
        def done(_result) -> None:
            if self.current_voice == name:
                self.current_voice = None
                self.detail_stack.setCurrentIndex(0)
            self.schedule_refresh()
            self.voiceDeleted.emit(name)

        self.ctx.run(lambda t: self.ctx.part("library").delete_voice(name), label=self.tr("Deleting the voice"),
                     on_done=done, on_error=self.ctx.report(self.tr("Could not delete the voice")))

    def set_emotion(self, clip_id: int, emotion: str | None) -> None:
        voice = self.current_voice

        def save(task):
            with self.ctx.part("library").edit(voice, action="label", summary=f"clip {clip_id} emotion → {emotion}") as ed:
                ed.update_clip(clip_id, emotion=emotion, emotion_source="user" if emotion else None)
            return clip_id

        self.ctx.run(save, label=self.tr("Saving label"), on_done=self.clipEdited.emit,
                     on_error=self.ctx.report(self.tr("Could not change the label")))

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != ClipTable.TRANSCRIPT:
            return
        clip_id = item.data(Qt.ItemDataRole.UserRole)
        text, voice = item.text(), self.current_voice

        def save(task):
            with self.ctx.part("library").edit(voice, action="edit", summary=f"clip {clip_id} transcript") as ed:
                ed.update_clip(clip_id, transcript=text)
            return clip_id

        self.ctx.run(save, label=self.tr("Saving transcript"), on_done=self.clipEdited.emit,
                     on_error=self.ctx.report(self.tr("Could not change the transcript")))

    def _save_tags(self) -> None:
        voice = self.current_voice
        if not voice:
            return
        tags = [t.strip() for t in self.tags_edit.text().replace("，", ",").split(",") if t.strip()]

        def save(task):
            with self.ctx.part("library").edit(voice, action="tags", summary="tags") as ed:
                ed.set_tags(tags)

        self.ctx.run(save, label=self.tr("Saving tags"), on_error=self.ctx.report(self.tr("Could not save the tags")))

    def play_clip(self, clip, path: str) -> None:
        def play(task):
            from engine.api import read_audio

            samples, rate = read_audio(path)
            return self.ctx.part("playback").play(samples, rate, label=f"clip {clip.id}")

        self.ctx.run(play, label=self.tr("Playing"), pool="io", on_error=self.ctx.report(self.tr("Could not play the clip")))
