"""The forest preview in the app: the last forest's top rows, shown while the logs load.

A warm open shows the saved preview (`hltui.model.forest_preview`) in a `PreviewTree`
beside the (hidden) real tree, its cursor free to move. Every other key (enter, a
filter, a search, a rating) is held, in order, until the loaded forest replaces the
preview: then the tree takes the preview's cursor and the keys are typed again, so they
act on the row they were typed on, as if the forest had been there all along.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

from hltui.ui.messages import PreviewReady
from hltui.ui.screens.browser import BrowserScreen
from hltui.ui.widgets.focus_edge import FocusEdge
from hltui.ui.widgets.key_footer import takes_text
from hltui.ui.widgets.preview_tree import PREVIEW_KEYS, PreviewTree
from hltui.ui.widgets.session_tree import SessionTree
from hltui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from hltui.ui.app import HltuiApp

PASSING_KEYS = frozenset({"q", "ctrl+q"})  # quit at once, when no key is held


class PreviewMixin:
    """The forest preview's part in HltuiApp."""

    preview_tree: PreviewTree | None = None
    # keys typed since the first one a preview does not take itself, to type again
    keys_for_forest: list[events.Key] | None = None

    def on_preview_ready(self: HltuiApp, message: PreviewReady) -> None:
        """Show the preview in place of the tree (still empty: the loader shows no
        forest on the way when it has a preview)."""
        tree = self.query_one(SessionTree)
        if self.forest is not None or self.preview_tree is not None:
            message.shown.set()
            return  # a forest came first (or a preview is shown): it is no use now
        preview = PreviewTree(message.preview, id="preview-tree")
        preview.exact_feedback = not self.store.logs_with_journal_entries()
        self.preview_tree = preview
        self.keys_for_forest = []
        # after the tree: a query for the SessionTree (the preview is one too) finds it
        tree.parent.mount(preview, after=tree)  # type: ignore[union-attr]
        tree.display = False
        edge = self.query_one("#tree-edge", FocusEdge)
        edge.pane = preview

        def take_focus() -> None:
            """Focus the preview once it is mounted, unless a key meanwhile moved the
            focus away from the tree (a search box opened: its keys are its own)."""
            if self.preview_tree is preview and preview.screen.focused in (tree, None):
                preview.screen.set_focus(preview)

        self.call_after_refresh(take_focus)
        status = self.query_one(StatusBar)
        status.sessions = message.preview.session_count
        status.logs = message.preview.log_count
        status.counts_final = True  # those of the files as they are: no `+`
        self.call_after_refresh(message.shown.set)

    def hold_for_forest(self: HltuiApp, event: events.Key) -> bool:
        """Keep `event` to type again once the forest is loaded (True), unless it is
        not for the tree (typed in a text box, on another screen), the preview takes it
        itself (a cursor key), or it quits; once one key is kept, all are, in order."""
        kept = self.keys_for_forest
        if kept is None or not isinstance(self.screen, BrowserScreen):
            return False
        if takes_text(self.focused):
            return False
        if not kept and (
            event.key in PASSING_KEYS
            or (event.key in PREVIEW_KEYS and self.focused is self.preview_tree)
        ):
            return False
        kept.append(event)
        return True

    def shown_tree(self: HltuiApp) -> SessionTree:
        """The tree on screen: the preview while there is one, else the tree."""
        return self.preview_tree or self.query_one("#tree", SessionTree)

    def end_preview(self: HltuiApp) -> None:
        """Put the loaded tree in the preview's place: its cursor on the same row (the
        forest's top items are in the preview's order), at the same height on screen,
        then type the keys held meanwhile."""
        preview, self.preview_tree = self.preview_tree, None
        kept, self.keys_for_forest = self.keys_for_forest, None
        if preview is None:
            return
        self.query_one(StatusBar).counts_final = False
        tree = self.query_one("#tree", SessionTree)
        screen = tree.screen  # the browser's (another may be open over it)
        had_focus = screen.focused is preview or screen.focused is None
        place, offset = preview.cursor, preview.cursor - int(preview.scroll_y)
        scrolled = preview.scroll_y
        # Hidden, not removed: a screen opened at once (a key typed again) drew the one
        # below from its last layout, with the preview in it and parentless.
        preview.display = False
        preview.release()
        tree.display = True
        self.query_one("#tree-edge", FocusEdge).pane = tree
        if tree.row_count:
            tree.set_cursor(place)
            # scrolled as the preview was from the first frame (the tree has no height
            # until it is laid out: its cursor row was drawn at the top for a frame)
            tree.set_reactive(SessionTree.scroll_y, scrolled)
            tree.set_reactive(SessionTree.scroll_target_y, scrolled)
        if had_focus:
            screen.set_focus(tree)

        def settled() -> None:
            if tree.row_count:  # where it was on screen, now that the tree has a height
                tree.show_cursor_at(offset)
            for key in kept or ():
                again = events.Key(key.key, key.character)
                again.set_sender(self)
                self.post_message(again)

        self.call_after_refresh(settled)
