"""Reviewing in the app: rate, label, comment and correct logs, stored in the journal.

Every edit goes through the core's `FeedbackStore` (one fsynced journal line). When the
journal cannot be written, the edit stays pending, is shown as such, and can be retried
or saved to another file from the command palette: nothing is lost.
"""

from __future__ import annotations

import operator
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from hltui.model.feedback import Edit, FeedbackError, FeedbackStore, JournalError, known_labels
from hltui.model.records import Feedback
from hltui.model.summary import FeedbackPairs
from hltui.model.wording import counted
from hltui.ui.safe import one_line
from hltui.ui.screens.feedback_editor import FeedbackDraft, FeedbackEditor
from hltui.ui.screens.path_prompt import PathPrompt

if TYPE_CHECKING:
    from hltui.ui.app import HltuiApp

QUIT_AGAIN_WITHIN = 8.0  # seconds: a second `q` this soon quits with edits unsaved
NOT_SAVED = "Feedback not saved"  # the title of the note that says an edit is pending

# What an undo names, by the kind of the edit it reverted: "Undid the new item on l2".
UNDONE = {"add": "the new item on", "change": "the change on", "delete": "the deletion on"}


class ReviewMixin:
    """Feedback editing for HltuiApp."""

    store: FeedbackStore
    user: str
    _quit_warned_at: float = -QUIT_AGAIN_WITHIN  # when `q` last met unsaved feedback
    _quit_warned_edits: tuple[Edit, ...] = ()  # the edits that warning was about

    # -- which log -------------------------------------------------------------------------

    def _review_target(self: HltuiApp) -> str | None:
        """The log under the cursor; a session row is not a log to rate."""
        from hltui.model.sessions import Session
        from hltui.ui.widgets.session_tree import SessionTree

        row = self.query_one(SessionTree).current_row
        if row is None:
            return None
        if isinstance(row.item, Session):
            self.notify("Select a log (not a session) to give it feedback.", timeout=3)
            return None
        return row.item.key

    def feedback_pairs(self: HltuiApp, log_id: str) -> FeedbackPairs:
        """(type, value) of the log's feedback as the Feedback tab shows it: unsaved
        edits applied (the tree showed a pending rating as no rating, or the old one)."""
        if not any(edit.log_id == log_id for edit in self.store.pending):
            return self.store.pairs(log_id)
        return tuple((item.type, item.value) for item, _source in self.feedback_items(log_id))

    def feedback_items(self: HltuiApp, log_id: str) -> list[tuple[Feedback, str]]:
        """The log's merged feedback with its pending (unsaved) edits applied: a pending
        change shows in place of its item, a pending delete hides it, an add comes last."""
        items = self.store.items(log_id)
        for edit in self.store.pending:
            if edit.log_id != log_id:
                continue
            position = next(
                (n for n, (item, _source) in enumerate(items) if item.id == edit.feedback_id),
                None,
            )
            if edit.feedback is None:  # a deletion
                if position is not None:
                    del items[position]
            elif position is not None:
                items[position] = (edit.feedback, "pending")
            else:
                items.append((edit.feedback, "pending"))
        return items

    # -- edits -------------------------------------------------------------------------------

    def _save(self: HltuiApp, log_id: str, describe: str, edit) -> bool:  # type: ignore[no-untyped-def]
        """Run one store edit; on a journal failure keep it pending and say what to do."""
        try:
            edit()
        except JournalError as error:
            # one such note at a time (the status bar counts the edits pending): one per
            # edit piled up over the dialog that saves them elsewhere
            if not any(n.title == NOT_SAVED for n in self._notifications):
                self.notify(
                    f"Could not save the {describe}: {error}. It is kept as pending: use "
                    "ctrl+p 'Retry saving feedback' or 'Save feedback to another file'.",
                    title=NOT_SAVED,
                    severity="error",
                    timeout=12,
                    markup=False,
                )
            self.after_feedback_edit(log_id)
            return False
        except (KeyError, ValueError) as error:
            self.notify(one_line(f"Cannot save: {error}"), severity="error", markup=False)
            return False
        self.after_feedback_edit(log_id)
        return True

    def after_feedback_edit(self: HltuiApp, log_id: str) -> None:
        """Show an edit everywhere at once: tree glyphs, panel, status and filters."""
        from hltui.ui.widgets.feedback_panel import FeedbackPanel
        from hltui.ui.widgets.session_tree import SessionTree
        from hltui.ui.widgets.status_bar import StatusBar

        self.query_one(SessionTree).refresh_labels()
        if self._current_log_id() == log_id:
            panel = self.query_one(FeedbackPanel)
            had_focus = panel.has_focus_within
            panel.show_items(self.feedback_items(log_id))
            if had_focus and not panel.items:  # its table is gone: the panel takes the keys
                self.screen.set_focus(panel, scroll_visible=False)
        self.query_one(StatusBar).pending = len(self.store.pending)
        if not self.log_filter.is_empty and (
            self.log_filter.has_feedback is not None or self.log_filter.feedback_value
        ):
            self.run_filter(self.log_filter)

    def set_rating(self: HltuiApp, value: str | int) -> None:
        """Set this user's rating of the log under the cursor (change it if there is one,
        even one not saved yet: a rating is one item, however often it is changed)."""
        log_id = self._review_target()
        if log_id is None:
            return
        mine = [
            (item, source)
            for item, source in self.feedback_items(log_id)
            if item.type == "rating" and item.user == self.user and item.id
        ]
        feedback_id = None
        if mine:
            item, source = mine[-1]
            if item.value == value and type(item.value) is type(value):
                return
            feedback_id = item.id
            if source == "pending":
                # not written yet: replace the unsaved edit instead of queueing a second one
                self.store.pending[:] = [
                    edit
                    for edit in self.store.pending
                    if (edit.log_id, edit.feedback_id) != (log_id, feedback_id)
                ]
                saved = {i.id: i for i, _source in self.store.items(log_id)}.get(feedback_id)
                if saved is None:
                    feedback_id = None
                elif saved.value == value and type(saved.value) is type(value):
                    self.after_feedback_edit(log_id)
                    self.notify(f"Rated {value}", timeout=1, markup=False)
                    return
        if feedback_id is not None:
            changed = feedback_id
            ok = self._save(
                log_id,
                "rating",
                lambda: self.store.change(log_id, changed, value, self.user),
            )
        else:
            ok = self._save(
                log_id, "rating", lambda: self.store.add(log_id, "rating", value, self.user)
            )
        if ok:
            self.notify(f"Rated {value}", timeout=1, markup=False)

    def action_rate(self: HltuiApp, value: str) -> None:
        self.set_rating(int(value) if value.isdigit() else value)

    def _record_output(self: HltuiApp, log_id: str) -> str | None:
        """What a correction starts as: the log's output (or its reply's text)."""
        try:
            record = self.index.record(log_id)
        except (OSError, ValueError, KeyError):
            return None
        output = record.output
        if output is None and (reply := record.output_message()) is not None:
            output = reply.text() or None
        return output if isinstance(output, str) else None

    def open_editor(
        self: HltuiApp,
        log_id: str,
        *,
        kind: str = "rating",
        value: str = "",
        feedback_id: str | None = None,
        fixed_type: bool = False,
    ) -> None:
        """The editor for a new item (or for changing `feedback_id`); saves on close."""
        labels = known_labels(self.index, self.store, self.feedback_types)
        title = f"{'Change feedback' if feedback_id else 'Add feedback'} · {one_line(log_id)}"

        def done(draft: FeedbackDraft | None) -> None:
            if draft is None:
                return
            if feedback_id is None:
                self._save(
                    log_id,
                    draft.type,
                    lambda: self.store.add(log_id, draft.type, draft.value, self.user),
                )
            elif self._unchanged(log_id, feedback_id, draft):
                self.notify("Nothing changed", timeout=2)  # (a line was written anyway)
            else:

                def change_or_add() -> None:
                    try:
                        self.store.change(
                            log_id, feedback_id, draft.value, self.user, type=draft.type
                        )
                    except KeyError:  # deleted meanwhile (another instance): kept as new
                        self.store.add(log_id, draft.type, draft.value, self.user)
                        self.notify(
                            "That item was deleted meanwhile; what you typed is saved as "
                            "a new item.",
                            timeout=6,
                        )

                self._save(log_id, draft.type, change_or_add)

        editor = FeedbackEditor(
            kind=kind,
            value=value,
            labels=labels,
            title=title,
            log_output=self._record_output(log_id),
            fixed_type=fixed_type,
        )
        self.hold_keys_for(editor, done)  # the text typed after `c` goes into it

    def _unchanged(self: HltuiApp, log_id: str, feedback_id: str, draft: FeedbackDraft) -> bool:
        """Whether `draft` is the item `feedback_id` as it is (type, and value of the same
        JSON type)."""
        for item, _source in self.store.items(log_id):
            if item.id == feedback_id:
                return (
                    item.type == draft.type
                    and item.value == draft.value
                    and type(item.value) is type(draft.value)
                )
        return False

    def action_comment(self: HltuiApp) -> None:
        self._open_text_editor("comment")

    def action_correction(self: HltuiApp) -> None:
        self._open_text_editor("correction")

    def _open_text_editor(self: HltuiApp, kind: str) -> None:
        """`c` / `x`: the editor for the log under the cursor. Refused (a session row),
        the text typed right after the key is dropped: it reached the tree as commands
        (`u` undid a rating, `o` opened the pager)."""
        self.skip_unless_browsing()
        log_id = self._review_target()
        if log_id is not None:
            self.open_editor(log_id, kind=kind)
        else:
            self.drop_keys_typed_with_this_one()

    def action_add_feedback(self: HltuiApp) -> None:
        log_id = self._review_target()
        if log_id is not None:
            self.open_editor(log_id)

    def edit_feedback(self: HltuiApp, item: Feedback, source: str) -> None:
        """Change an existing item (from the feedback panel); not from a session's row,
        as `a` and `d` are not (it changed the session's first log)."""
        log_id = self._review_target()
        if log_id is None:
            return
        if source == "pending" or not item.id:
            self.notify("This item is not saved yet; retry saving first.", timeout=3)
            return
        value = item.value if isinstance(item.value, str) else str(item.value)
        self.open_editor(log_id, kind=item.type or "rating", value=value, feedback_id=item.id)

    def delete_feedback(self: HltuiApp, item: Feedback, source: str) -> None:
        log_id = self._current_log_id()
        if log_id is None or source == "pending" or not item.id:
            self.notify("This item is not saved yet; undo (u) drops it.", timeout=3)
            return
        feedback_id = item.id
        if self._save(
            log_id, "deletion", lambda: self.store.delete(log_id, feedback_id, self.user)
        ):
            self.notify(f"Deleted the {item.type} item (u to undo)", timeout=2, markup=False)

    def action_undo(self: HltuiApp) -> None:
        try:
            edit = self.store.undo_last()
        except FeedbackError as error:  # not written; or changed since, by someone else
            self.notify(
                one_line(f"Could not undo: {error}"), severity="error", timeout=8, markup=False
            )
            return
        if edit is None:
            self.notify("Nothing to undo", timeout=2)
            return
        self.after_feedback_edit(edit.log_id)
        undone = edit.undone or edit.kind  # a pending edit is dropped: it is the one undone
        self.notify(f"Undid {UNDONE[undone]} {edit.log_id}", timeout=2, markup=False)

    # -- review queue ------------------------------------------------------------------------

    def action_next_unrated(self: HltuiApp) -> None:
        self.step_to(self._unrated, 1, "Every log has feedback", "log without feedback")

    def action_previous_unrated(self: HltuiApp) -> None:
        self.step_to(self._unrated, -1, "Every log has feedback", "log without feedback")

    def _unrated(self: HltuiApp, log_id: str) -> bool:
        return not self.store.pairs(log_id)

    # -- when saving fails -------------------------------------------------------------------

    async def action_quit(self: HltuiApp) -> None:
        """Quit; feedback edits that could not be saved are tried again first (every
        time), and if the journal still refuses them the app says so and quits only on
        a second `q` right after that warning, with no edit made since. Text typed in
        an open feedback editor asks first too."""
        editor = self.screen
        if isinstance(editor, FeedbackEditor) and not editor.may_quit():
            return  # text typed in it, not saved: asked first
        edits = tuple(self.store.pending)
        pending = len(edits)
        if pending:
            try:
                self.store.retry_pending()
            except JournalError as error:
                now = time.monotonic()
                warned = self._quit_warned_edits
                same = len(warned) == pending and all(map(operator.is_, warned, edits))
                if now - self._quit_warned_at <= QUIT_AGAIN_WITHIN and same:
                    self.exit_when_caches_written()
                    return
                self._quit_warned_at, self._quit_warned_edits = now, edits
                self.notify(
                    one_line(
                        f"{counted(pending, 'feedback edit')} not saved: {error}. Press q "
                        "again to quit without them, or ctrl+p: Save feedback to another file."
                    ),
                    title="Unsaved feedback",
                    severity="error",
                    timeout=QUIT_AGAIN_WITHIN,
                    markup=False,
                )
                return
        self.exit_when_caches_written()

    def action_retry_feedback(self: HltuiApp, path: Path | None = None) -> None:
        if not self.store.pending:
            self.notify("No pending feedback", timeout=2)
            return
        logs = {edit.log_id for edit in self.store.pending}
        try:
            written = self.store.retry_pending(path)
        except JournalError as error:
            self.notify(
                one_line(f"Still cannot save: {error}"), severity="error", timeout=10, markup=False
            )
            return
        for log_id in logs:
            self.after_feedback_edit(log_id)
        self._refresh_problem_count()  # a journal that could not be read may be left behind
        where = self.store.journal.path if self.store.journal is not None else "?"
        if path is not None and self.store.journal is not None:
            self.saved_elsewhere = self.store.journal.path  # said again at quitting
        self.notify(
            Text(f"Saved {len(written)} pending edit(s) to {where}").plain,
            timeout=4,
            markup=False,
        )

    def action_save_feedback_as(self: HltuiApp) -> None:
        def chosen(path: str | None) -> None:
            if not path:
                return
            target = Path(path).expanduser()
            if target.is_dir():
                self.notify(
                    one_line(
                        f"{target} is a folder: name a file in it, e.g. {target}/feedback.jsonl"
                    ),
                    title="Feedback not saved",
                    severity="error",
                    timeout=8,
                    markup=False,
                )
                return
            self.action_retry_feedback(target)

        self.push_screen(PathPrompt("Save feedback to another journal file"), chosen)
