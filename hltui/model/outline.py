"""The visible rows of a session forest: what a tree view draws, given what is expanded.

Kept in the core so it is testable without a terminal and cheap at any size: a collapsed
forest of N sessions is N rows; expanding splices a subtree in, collapsing cuts it out.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection
from itertools import repeat

import msgspec

from hltui.model.sessions import Forest, LogNode, Session, TopItem


class Row(msgspec.Struct, eq=False, gc=False):
    """One line of the tree: an item at a depth.

    A struct made in C: a forest's depth-0 rows are made with one `map` (129k top items
    took 0.47 s as dataclasses in Python while the loader thread held the GIL).
    """

    item: TopItem
    depth: int

    @property
    def key(self) -> str:
        """A stable key: `s:` + session key, or the log id."""
        item = self.item
        return f"s:{item.key}" if isinstance(item, Session) else item.key

    @property
    def is_session(self) -> bool:
        return isinstance(self.item, Session)

    def children(self) -> list[LogNode]:
        item = self.item
        return item.roots if isinstance(item, Session) else item.children


def item_key(item: TopItem) -> str:
    return f"s:{item.key}" if isinstance(item, Session) else item.key


class Outline:
    """Rows of a forest with expansion state kept by key across rebuilds and filters."""

    def __init__(self) -> None:
        self.forest: Forest | None = None
        self.rows: list[Row] = []
        self.expanded: set[str] = set()
        self.visible: Collection[str] | None = None
        self._shown_cache: dict[str, bool] = {}
        # One depth-0 row per top item of `_tops_of`, made once per forest: a rebuild
        # (a filter, clearing it) reuses them instead of allocating a row per item again.
        self._tops: list[Row] = []
        self._tops_of: Forest | None = None
        self._places: list[int] | None = None  # of the top items shown (None: all)

    def rebuild(
        self,
        forest: Forest,
        visible: Collection[str] | None = None,
        places: list[int] | None = None,
    ) -> None:
        """All rows again for a new forest or filter, keeping what was expanded.

        Costs the top items shown (and the logs a filter matches), not every item: the
        depth-0 rows are made once per forest and picked by `Forest.tops_showing`, or by
        `places` when the caller has worked that out already (in a worker).
        """
        self.forest = forest
        self.visible = visible
        self._shown_cache = {}
        if self._tops_of is not forest:
            self._tops = list(map(Row, forest.items, repeat(0)))
            self._tops_of = forest
        tops = self._tops
        if visible is None:
            shown = tops
        else:
            if places is None:
                places = forest.tops_showing(visible)
            shown = [tops[place] for place in places]
        self._places = places if visible is not None else None
        expanded = [self._item_of(key) for key in self.expanded]
        opened = {id(item) for item in expanded if item is not None}
        if not opened:  # the common case, at any size
            self.rows = shown if shown is not tops else list(tops)
            return
        rows: list[Row] = []
        for row in shown:
            rows.append(row)
            if id(row.item) in opened:
                self._append_subtree(row, rows)
        self.rows = rows

    def _item_of(self, key: str) -> TopItem | None:
        """The item with row key `key` in the current forest, if any."""
        forest = self.forest
        if forest is None:
            return None
        return forest.sessions.get(key[2:]) if key.startswith("s:") else forest.nodes.get(key)

    def _shows(self, item: TopItem | LogNode) -> bool:
        """Whether an item passes the filter: it, or something below it, matches."""
        visible = self.visible
        if visible is None:
            return True
        if isinstance(item, Session):
            return True  # rebuild keeps only the sessions with a visible log
        cached = self._shown_cache.get(item.key)
        if cached is None:
            cached = item.key in visible or any(self._shows(c) for c in item.children)
            self._shown_cache[item.key] = cached
        return cached

    def _append_subtree(self, row: Row, out: list[Row]) -> None:
        stack = [(child, row.depth + 1) for child in reversed(row.children())]
        while stack:
            node, depth = stack.pop()
            if not self._shows(node):
                continue
            out.append(Row(node, depth))
            if node.key in self.expanded and node.children:
                stack.extend((child, depth + 1) for child in reversed(node.children))

    def is_expandable(self, row: Row) -> bool:
        return bool(row.children())

    def is_expanded(self, row: Row) -> bool:
        return row.key in self.expanded

    def expand(self, index: int) -> int:
        """Expand the row at `index`; returns how many rows were added."""
        row = self.rows[index]
        if row.key in self.expanded or not row.children():
            self.expanded.add(row.key)
            return 0
        self.expanded.add(row.key)
        added: list[Row] = []
        self._append_subtree(row, added)
        self.rows[index + 1 : index + 1] = added
        return len(added)

    def collapse(self, index: int) -> int:
        """Collapse the row at `index`; returns how many rows were removed."""
        row = self.rows[index]
        self.expanded.discard(row.key)
        end = index + 1
        rows = self.rows
        while end < len(rows) and rows[end].depth > row.depth:
            end += 1
        del rows[index + 1 : end]
        return end - index - 1

    def expand_all(self, index: int) -> None:
        """Expand the row and everything below it."""
        row = self.rows[index]
        self.collapse(index)
        keys = [row.key]
        for child in row.children():
            keys.extend(node.key for node in child.walk() if node.children)
        self.expanded.update(keys)
        added: list[Row] = []
        self._append_subtree(row, added)
        self.rows[index + 1 : index + 1] = added

    def parent_index(self, index: int) -> int | None:
        """The row index of the row's parent, or None at the top."""
        depth = self.rows[index].depth
        for i in range(index - 1, -1, -1):
            if self.rows[i].depth < depth:
                return i
        return None

    def top_place_at(self, index: int) -> int | None:
        """The place in the forest's items of the top item row `index` is in."""
        rows = self.rows
        while 0 <= index < len(rows) and rows[index].depth:
            index -= 1
        if not 0 <= index < len(rows):
            return None
        top = rows[index]
        for place, row in enumerate(self._tops):  # by identity
            if row is top:
                return place
        return None

    def index_near_place(self, place: int) -> int | None:
        """The row of the first top item shown at or after `place` in the forest's items
        (else the last one shown): where the cursor goes when a filter hides its item."""
        places = self._places if self._places is not None else range(len(self._tops))
        if not places:
            return None
        at = min(bisect_left(places, place), len(places) - 1)
        top = self._tops[places[at]]
        for index, row in enumerate(self.rows):
            if row is top:
                return index
        return None

    def index_of(self, key: str) -> int | None:
        """The row index of the item with `key` (see `Row.key`), if it is a row."""
        item = self._item_of(key)
        if item is None:
            return None
        for i, row in enumerate(self.rows):  # by identity: no key string per row
            if row.item is item:
                return i
        return None

    def reveal(self, log_id: str) -> int | None:
        """Expand the session and parents of a log so it is a row; returns its row index."""
        forest = self.forest
        if forest is None:
            return None
        node = forest.nodes.get(log_id)
        if node is None:
            return None
        chain: list[str] = []
        if node.session is not None:
            chain.append(f"s:{node.session.key}")
            parents = _parent_chain(node)
            chain.extend(p.key for p in parents)
        else:
            chain.extend(p.key for p in _parent_chain(node))
        missing = [key for key in chain if key not in self.expanded]
        if missing:
            self.expanded.update(missing)
            self.rebuild(forest, self.visible)
        return self.index_of(log_id)


def _parent_chain(node: LogNode) -> list[LogNode]:
    """The ancestors of a node in its session, top first."""
    session = node.session
    if session is None:
        return []
    parents: dict[str, LogNode] = {}
    for root in session.roots:
        stack = [root]
        while stack:
            current = stack.pop()
            for child in current.children:
                parents[child.key] = current
                stack.append(child)
    chain = []
    current = parents.get(node.key)
    while current is not None:
        chain.append(current)
        current = parents.get(current.key)
    return list(reversed(chain))
