"""Live tailing in the app: watch the opened path and fold changes into the tree.

`watchfiles.awatch` runs in an exclusive async worker and hands changed paths to the
core's `Tailer` (in a thread), which owns every file offset; the new forest comes back
to the UI, which updates the tree in place so the cursor, scroll and expansion stay.
With `--poll`, sizes and inodes are compared every quarter second instead.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Collection, Iterable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.css.query import NoMatches

from hltui.model.outline import Row
from hltui.model.query import apply_filter
from hltui.model.sessions import Forest, LogNode, Session, item_sort_key
from hltui.model.tail import Tailer, TailUpdate, forest_after, must_poll, watch_changes

if TYPE_CHECKING:
    from hltui.ui.app import HltuiApp

POLL_INTERVAL = 0.25
OVERVIEW_REFRESH_DELAY = 0.5


class LiveTailMixin:
    """Watching and follow mode for HltuiApp."""

    tailer: Tailer | None = None
    watch_ready: bool = False  # the watcher is set up: every later write will be seen
    follow: bool = False
    new_since_seen: list[str]  # the newest log of each update not followed
    unseen: set[str]  # every new log not followed, counted in the status bar

    def start_watching(self: HltuiApp) -> None:
        self.tailer = Tailer(self.index)
        self.watch_files()

    def watched_paths(self: HltuiApp) -> list[Path]:
        """The opened path, and the feedback journal's folder when it lies outside it."""
        paths = [self.path]
        journal = self.store.journal.path if self.store.journal is not None else None
        if journal is not None:
            folder = journal.parent
            root = self.path if self.path.is_dir() else self.path.parent
            if folder.exists() and not folder.resolve().is_relative_to(root.resolve()):
                paths.append(folder)
        return paths

    @work(exclusive=True, group="watch", exit_on_error=False)
    async def watch_files(self: HltuiApp) -> None:
        """Feed file changes to the tailer until the app closes."""
        tailer = self.tailer
        assert tailer is not None
        if must_poll(self.index) and not self.poll_files:
            self.poll_files = True
            self.notify(
                "A folder here cannot be read: changes are found by polling instead "
                "(see the problems, p).",
                timeout=6,
                markup=False,
            )
        if self.poll_files:
            await self.catch_up()
            self.watch_ready = True
            while True:
                await asyncio.sleep(POLL_INTERVAL)
                changed = await asyncio.to_thread(tailer.poll)
                journal_changed = self.store.journal is not None and not self.store.is_own_write()
                # (with nothing changed, it looks at unfinished last lines, if any)
                await self.apply_changes(changed, journal=journal_changed)
        events = watch_changes(self.watched_paths())
        # The watcher is set up on the first step of the generator, before it waits for
        # events: start that step, then catch up with what changed during loading, so no
        # write between the two is missed.
        first = asyncio.ensure_future(anext(events))
        try:
            await asyncio.sleep(0)
            await self.catch_up()
            self.watch_ready = True
            changes = await first
            while True:
                await self.apply_events(changes)
                changes = await anext(events)
        finally:
            first.cancel()
            await asyncio.gather(first, return_exceptions=True)
            await events.aclose()

    async def catch_up(self: HltuiApp) -> None:
        """Read what changed while the index was loading (or the watcher starting)."""
        tailer = self.tailer
        assert tailer is not None
        changed = await asyncio.to_thread(tailer.poll)
        journal = self.store.journal is not None and not self.store.is_own_write()
        if changed or journal:
            await self.apply_changes(changed, journal=journal)

    def local_path(self: HltuiApp, path: Path) -> Path | None:
        """A path from the watcher (always absolute) spelled as the index spells it
        (relative when the app was opened on a relative path), so files are recognised;
        None outside the opened path (the journal's own folder may be watched too)."""
        root = self.index.root
        try:
            inside = path.relative_to(os.path.abspath(root))
        except ValueError:
            return None
        return root / inside if inside.parts else root

    async def apply_events(self: HltuiApp, changes: set[tuple[object, str]]) -> None:
        """Hand a batch of watcher events to the tailer; the journal is refreshed instead
        (unless the change was this app's own write)."""
        journal = self.store.journal.path if self.store.journal is not None else None
        wanted = os.path.abspath(journal) if journal is not None else None
        journal_changed = False
        paths: set[Path] = set()
        for _change, name in changes:
            if name == wanted:
                journal_changed = True
                continue
            if wanted is not None and wanted.startswith(name + os.sep):
                # a folder on the journal's path (e.g. `.hltui/` created by another
                # instance): the journal's own event may have come before it was watched
                journal_changed = True
            path = self.local_path(Path(name))
            if path is not None:
                paths.add(path)
        journal_changed = journal_changed and not self.store.is_own_write()
        await self.apply_changes(paths, journal=journal_changed)

    async def apply_changes(
        self: HltuiApp, paths: Iterable[Path], *, journal: bool = False
    ) -> None:
        """Read the changes in a thread, then show them."""
        tailer = self.tailer
        if tailer is None:
            return
        paths = list(paths)
        still = tailer.has_unfinished()  # a last line may have waited long enough
        if not (paths or journal or still):
            return  # a quiet moment with nothing waiting: no thread, nothing to draw
        forest = self.forest
        log_filter = self.log_filter
        # the hits of a search done (one still running reads the files as they are now)
        term = "" if self.search_running() else self.search_term
        hits = self.hits

        def read() -> tuple[TailUpdate, Forest | None, set[str], Collection[str] | None, list[str]]:
            update = tailer.apply(paths) if paths else TailUpdate()
            if still:
                update.merge(tailer.finish_still_lines())
            if update.removed or update.files:
                self.store.invalidate(None if update.removed else {s.id for s in update.added})
            touched = self.store.refresh() if journal else set()
            # A file read again whole (rewritten JSON or gzip, a re-export renamed over the
            # old one) gives back logs the forest already has: they are not new, and adding
            # them in place would show them twice, so the forest is built again instead.
            known = forest.nodes if forest is not None else {}
            fresh = [s.id for s in update.added if s.id not in known]
            again = len(fresh) < len(update.added)
            new_forest = None
            if update.added or update.removed or forest is None:
                new_forest = forest_after(None if again else forest, self.index, update)
            visible: Collection[str] | None = None
            if not log_filter.is_empty and (update.added or update.removed or touched):
                matching = apply_filter(self.index, log_filter, feedback=self.store)
                visible = None if matching is None else dict.fromkeys(matching)
            return update, new_forest, touched, visible, fresh

        update, new_forest, touched, visible, fresh = await asyncio.to_thread(read)
        self.show_changes(update, new_forest, touched, visible, fresh)
        if self.search_term and not term and update.added:  # a search was running
            if self.search_running():  # searched when it ends
                self._added_while_searching.extend(s.id for s in update.added)
                return
            term, hits = self.search_term, self.hits  # it ended while these were read
        if term and new_forest is not None and (update.added or update.removed):
            shown = self.visible_ids  # as the filter is now, new logs included
            added = [s.id for s in update.added]
            searched = await asyncio.to_thread(
                self.hits_with, term, hits, added, update.removed, new_forest, shown
            )
            if searched is not None:
                self.hits_grown(searched)

    def show_changes(
        self: HltuiApp,
        update: TailUpdate,
        forest: Forest | None,
        touched: set[str],
        visible: Collection[str] | None,
        fresh: list[str] | None = None,
    ) -> None:
        """Fold a tail update into the tree, counts, problems and the shown log; `fresh`
        are the ids that are new (not just read again), for follow mode and the badge."""
        from hltui.ui.widgets.session_tree import SessionTree
        from hltui.ui.widgets.status_bar import StatusBar

        if visible is not None:
            self.visible_ids = visible
        tree = self.query_one(SessionTree)
        status = self.query_one(StatusBar)
        if forest is not None or visible is not None:
            before = tree.current_row
            offset = tree.cursor - int(tree.scroll_y)
            if forest is not None:
                self.forest = forest
                status.sessions = len(forest.sessions)
            if self.forest is not None:
                tree.set_forest(self.forest, self.visible_ids)
                self.keep_cursor(before, offset)
                self.refresh_overview_soon()
        elif touched:
            tree.refresh_labels()
        status.logs = len(self.index)
        if self.visible_ids is not None:
            status.shown = len(self.visible_ids)
        if update.problems or update.removed or update.files:  # (some may be gone)
            self._refresh_problem_count()
        added = [s.id for s in update.added]
        new_ids = set(added if fresh is None else fresh)
        new_logs = [s for s in update.added if s.id in new_ids]
        if update.removed and self.unseen:  # new logs gone before they were seen
            self.unseen.difference_update(set(update.removed).difference(added))
            status.new_logs = len(self.unseen)
        if new_logs:
            newest = max(new_logs, key=lambda s: (s.time if s.time == s.time else 0, s.line))
            if self.follow:
                tree.select_key(newest.id)
            else:
                self.new_since_seen.append(newest.id)
                self.unseen.update(new_ids)
                status.new_logs = len(self.unseen)
        shown = self._current_log_id()
        if shown is not None and (
            shown in touched or shown in update.removed or shown in set(added)
        ):
            row = tree.current_row
            if row is not None:
                self.show_row(row, force=True)

    def keep_cursor(self: HltuiApp, before: Row | None, offset: int) -> None:
        """Keep the cursor on its item when a change took its row away: a log now nested
        under a parent that just arrived (revealed), a session merged into another."""
        from hltui.ui.widgets.session_tree import SessionTree

        tree = self.query_one(SessionTree)
        current = tree.current_row
        forest = self.forest
        if before is None or forest is None or (current is not None and current.key == before.key):
            return
        item = before.item
        target = None
        if isinstance(item, Session):
            for summary in item.logs:
                node = forest.nodes.get(summary.id)
                if node is not None and node.session is not None:
                    target = f"s:{node.session.key}"
                    break
        elif item.key in forest.nodes:
            target = item.key
        elif item.session is not None and item.session.key in forest.sessions:
            target = f"s:{item.session.key}"  # the log went, its session stays
        if target is not None and tree.select_key(target):
            tree.scroll_to(y=max(0, tree.cursor - offset), animate=False, immediate=True)
        elif target is None:  # gone with its file: the item that came after it in the tree
            at = self._row_after(before)
            if at is not None:
                tree.set_cursor(at)
                tree.scroll_to(y=max(0, tree.cursor - offset), animate=False, immediate=True)

    def _row_after(self: HltuiApp, gone: Row) -> int | None:
        """The row of the first top item shown that came after `gone`'s in the tree (items
        are newest first): the cursor kept its row number, landing on an unrelated item
        that a rating then went to."""
        from hltui.ui.widgets.session_tree import SessionTree

        forest = self.forest
        if forest is None:
            return None
        item = gone.item
        if isinstance(item, LogNode) and item.session is not None:
            item = item.session
        key = item_sort_key(item)
        items = forest.items
        low, high = 0, len(items)
        while low < high:  # the first item older than the one gone
            middle = (low + high) // 2
            if item_sort_key(items[middle]) >= key:
                low = middle + 1
            else:
                high = middle
        return self.query_one(SessionTree).outline.index_near_place(low)

    def refresh_overview_soon(self: HltuiApp) -> None:
        """Redraw the shown session's timeline once the updates pause for a moment."""
        timer = getattr(self, "_overview_timer", None)
        if timer is None:
            self._overview_timer = self.set_timer(
                OVERVIEW_REFRESH_DELAY, self._overview_timer_fired
            )

    def _overview_timer_fired(self: HltuiApp) -> None:
        self._overview_timer = None
        with suppress(NoMatches):  # the timer fired while the app was closing
            self._refresh_shown_session()

    def action_toggle_follow(self: HltuiApp) -> None:
        from hltui.ui.widgets.status_bar import StatusBar

        self.follow = not self.follow
        self.query_one(StatusBar).follow = self.follow
        if self.follow:
            self.action_jump_newest()
        self.notify(
            "Follow on: new logs are selected as they arrive"
            if self.follow
            else "Follow off: new logs are counted in the status bar",
            timeout=3,
        )

    def action_jump_newest(self: HltuiApp) -> None:
        """Go to the newest log that arrived (or the newest log of all)."""
        from hltui.ui.widgets.session_tree import SessionTree
        from hltui.ui.widgets.status_bar import StatusBar

        tree = self.query_one(SessionTree)
        target = None
        while self.new_since_seen and target is None:
            candidate = self.new_since_seen.pop()
            if candidate in self.index:
                target = candidate
        if target is None and self.index.logs:
            newest = max(self.index.logs.values(), key=lambda s: s.time if s.time == s.time else 0)
            target = newest.id
        self.new_since_seen.clear()
        self.unseen.clear()
        self.query_one(StatusBar).new_logs = 0
        if target is not None:
            tree.select_key(target)
