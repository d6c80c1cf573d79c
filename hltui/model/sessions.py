"""Session forests: logs grouped into sessions and nested under their parents.

Sessions join logs by `session_id` or `session_reference_id` (a log carrying both joins
the two); children hang under parents by `parent_id` or by `parent_reference_id` matched
against `reference_id` in the same session. Siblings are in time order, then file order.
A child whose parent is missing is kept at the top of its session, marked as an orphan; a
parent cycle is broken and reported. Logs without a session stand alone.
"""

from __future__ import annotations

import math
import weakref
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from heapq import merge
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from hltui.model.index import gc_paused
from hltui.model.node_map import LayeredNodes, PositionNodes
from hltui.model.problems import Problem
from hltui.model.sources import file_kind
from hltui.model.summary import LogSummary

if TYPE_CHECKING:
    from hltui.model.index import LogIndex

INF = math.inf
PREVIEW_LOOKAHEAD = 5


def time_key(summary: LogSummary) -> tuple[float, int]:
    """Sort key: creation time (unknown last), then file order."""
    return (INF if math.isnan(summary.time) else summary.time, summary.file, summary.offset)


class LogNode(msgspec.Struct, eq=False, gc=False):
    """One log in the forest with its children; `orphan` when its parent is missing.

    A struct the GC does not track (48 bytes, made in C): a forest holds one per log, and
    none of them can be part of a reference cycle (the link to the session is weak).
    """

    log: LogSummary
    # An empty tuple until the first child comes: most logs have none, and a list each
    # would cost 56 bytes and an allocation per log.
    children: list[LogNode] | tuple[()] = ()
    orphan: bool = False
    # Weak, so a forest holds no reference cycles: a replaced forest is freed at once by
    # reference counting.
    session_ref: weakref.ref[Session] | None = None

    @property
    def session(self) -> Session | None:
        """The session the log belongs to (None for a standalone log)."""
        ref = self.session_ref
        return ref() if ref is not None else None

    @session.setter
    def session(self, session: Session | None) -> None:
        self.session_ref = weakref.ref(session) if session is not None else None

    @property
    def key(self) -> str:
        return self.log.id

    def adopt(self, child: LogNode) -> None:
        """Hang `child` under this node, after its other children."""
        if self.children:
            self.children.append(child)  # type: ignore[union-attr]
        else:
            self.children = [child]

    def walk(self) -> Iterable[LogNode]:
        """This node and all below it, depth first."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


@dataclass(slots=True, eq=False, weakref_slot=True)
class Session:
    """Logs sharing a session id or session reference id."""

    key: str
    # Lists while a forest is built; tuples in a forest restored from the cache (most
    # sessions have one kind of id: an empty tuple costs nothing, an empty list 56 bytes).
    session_ids: list[str] | tuple[str, ...] = field(default_factory=list)
    reference_ids: list[str] | tuple[str, ...] = field(default_factory=list)
    roots: list[LogNode] = field(default_factory=list)
    logs: list[LogSummary] = field(default_factory=list)

    @property
    def start(self) -> float:
        return self.logs[0].time if self.logs else math.nan

    @property
    def end(self) -> float:
        """When the last log finished (its start plus its duration)."""
        ends = [log.time + (log.duration or 0.0) for log in self.logs if not math.isnan(log.time)]
        return max(ends) if ends else math.nan

    @property
    def span(self) -> float | None:
        """Seconds from the first log's start to the last log's end."""
        if not self.logs or math.isnan(self.start):
            return None
        return self.end - self.start

    @property
    def error_count(self) -> int:
        return sum(1 for log in self.logs if log.error is not None)

    @property
    def feedback_count(self) -> int:
        return sum(log.feedback_count for log in self.logs)

    @property
    def projects(self) -> list[str]:
        return sorted({log.project for log in self.logs if log.project})

    def preview(self, prompt_of: Callable[[str], str | None]) -> str | None:
        """The session's first user message (looked up by `prompt_of`), else its reference id."""
        for log in self.logs[:PREVIEW_LOOKAHEAD]:
            prompt = prompt_of(log.id)
            if prompt:
                return prompt
        return self.reference_ids[0] if self.reference_ids else None

    def nodes(self) -> Iterable[LogNode]:
        for root in self.roots:
            yield from root.walk()

    def tree_ids(self) -> list[str]:
        """The ids of its logs in tree order (depth first, as `nodes` gives them)."""
        return [log.id for log in self.tree_logs()]

    def tree_logs(self) -> list[LogSummary]:
        """Its logs in tree order (depth first, as `nodes` gives them)."""
        logs: list[LogSummary] = []
        add = logs.append
        stack = self.roots[::-1]
        pop, push = stack.pop, stack.extend
        while stack:
            node = pop()
            add(node.log)
            if node.children:
                push(node.children[::-1])
        return logs


def _tree_nodes(session: Session) -> list[LogNode]:
    """The session's nodes in tree order (as `Session.nodes` gives them)."""
    roots = session.roots
    if not any(node.children for node in roots):  # no links: the roots are all
        return list(roots)
    return list(session.nodes())


TopItem = Session | LogNode


@dataclass(slots=True)
class Forest:
    """Sessions and standalone logs, newest first, with lookups.

    `keys` (the union of session ids and reference ids) is kept so that new logs can be
    added by `update_forest` without rebuilding sessions they do not touch.
    """

    items: list[TopItem]
    sessions: dict[str, Session]
    # by log id; restored forests find nodes by position (see `node_map`)
    nodes: dict[str, LogNode] | PositionNodes | LayeredNodes
    problems_by_session: dict[str, list[Problem]] = field(default_factory=dict)
    keys: _Keys | None = None
    # Where each top item is in `items` (sessions by key, standalone logs by id), made
    # when first asked for: a filter then costs the logs it matches, not every item.
    _places: tuple[dict[str, int], dict[str, int]] | None = field(default=None, repr=False)
    # The place in `items` of the top item holding each log, by the log's position in the
    # index's `logs` (-1: not in this forest), with the index's generation and size when
    # it was made: a filter then finds the items it shows without a lookup per log.
    by_position: tuple[array[int], int, int] | None = field(default=None, repr=False)
    # The positions of all its logs in the order the fully expanded tree shows them,
    # made with `by_position` and valid while it is: search hits marked by position are
    # put in tree order by reading it once, with no lookup or sorting per hit.
    tree_positions: array[int] | None = field(default=None, repr=False)

    def map_positions(self, index: LogIndex) -> bool:
        """Make `by_position` and `tree_positions` for `index`; False when the index's
        order does not allow it (logs added by a tailer: filters then look items up log
        by log)."""
        mapped = self.position_maps(index)
        if mapped is None:
            return False
        tops, self.tree_positions = mapped
        self.by_position = (tops, index.generation, len(index.logs))
        return True

    def compact_nodes(self, index: LogIndex) -> bool:
        """Keep the nodes in a list by position (4 MB at 500k logs) instead of a dict
        or layers of dicts (21 MB and more), found as a restored forest finds them.

        Needs `map_positions` for `index` first and the index in file order (as after
        a load); False, and nothing changed, otherwise.
        """
        mapped, order = self.by_position, self.tree_positions
        positions = index.positions()
        if (
            not isinstance(self.nodes, LayeredNodes | dict)
            or positions is None
            or mapped is None
            or order is None
            or mapped[1:] != (index.generation, len(index.logs))
            or len(order) != len(index.logs)
        ):
            return False
        in_tree: list[LogNode] = []
        for item in self.items:
            if type(item) is Session:
                in_tree.extend(_tree_nodes(item))
            else:
                in_tree.append(item)  # type: ignore[arg-type]
        if len(in_tree) != len(order):
            return False
        by_position: list[LogNode | None] = [None] * len(order)
        deque(map(by_position.__setitem__, order, in_tree), maxlen=0)
        if any(node is None for node in by_position):
            return False
        self.nodes = PositionNodes(positions, by_position)  # type: ignore[arg-type]
        return True

    def position_maps(self, index: LogIndex) -> tuple[array[int], array[int]] | None:
        """The place of the top item holding each log (by position in `index.logs`, -1
        for none) and all positions in tree order; None when the index's order does not
        allow it."""
        mapped = self.by_position
        if (
            mapped is not None
            and self.tree_positions is not None
            and mapped[1:] == (index.generation, len(index.logs))
        ):
            return mapped[0], self.tree_positions
        position = index.position_finder()
        if position is None:
            return None
        tops = array("i", [-1]) * len(index.logs)
        order = array("i")
        add = order.append
        try:
            for place, item in enumerate(self.items):
                if type(item) is Session:
                    for log in item.tree_logs():
                        at = position(log)
                        tops[at] = place
                        add(at)
                else:
                    at = position(item.log)  # type: ignore[union-attr]
                    tops[at] = place
                    add(at)
        except (KeyError, IndexError):
            return None
        return tops, order

    def tops_at(self, index: LogIndex, positions: Sequence[int]) -> list[int] | None:
        """The places in `items`, in order, of the top items holding the logs at
        `positions` (ascending) in `index.logs`; None when `by_position` does not fit the
        index now."""
        mapped = self.by_position
        if mapped is None or mapped[1] != index.generation:
            return None
        tops, _, count = mapped
        if positions and positions[-1] >= count:  # later logs are not in this forest
            positions = positions[: bisect_left(positions, count)]
        found = set(map(tops.__getitem__, positions))
        found.discard(-1)
        return sorted(found)

    def top_places(self) -> tuple[dict[str, int], dict[str, int]]:
        """The index in `items` of each session (by key) and standalone log (by id)."""
        places = self._places
        if places is None:
            sessions: dict[str, int] = {}
            standalone: dict[str, int] = {}
            for place, item in enumerate(self.items):
                if type(item) is Session:
                    sessions[item.key] = place
                else:
                    standalone[item.key] = place
            places = self._places = (sessions, standalone)
        return places

    def tops_showing(self, visible: Iterable[str]) -> list[int]:
        """The indexes in `items`, in order, of the top items holding any `visible` log."""
        return sorted({place for place, _ in self._places_of(visible)})

    def _place_of(self, log_id: str) -> int | None:
        """The index in `items` of the top item holding `log_id`, found without the maps
        of `top_places` (11 MB at 500k logs, made only when many logs are looked up)."""
        node = self.nodes.get(log_id)
        if node is None:
            return None
        ref = node.session_ref
        session = ref() if ref is not None else None
        item = session if session is not None else node
        if self._places is not None:
            sessions, standalone = self._places
            return sessions.get(item.key) if session is not None else standalone.get(log_id)
        try:
            return self.items.index(item)  # by identity: items have no equality of their own
        except ValueError:
            return None

    def _places_of(self, log_ids: Iterable[str]) -> Iterator[tuple[int, str]]:
        """Each of `log_ids` in this forest with the index in `items` of its top item."""
        sessions, standalone = self.top_places()
        nodes = self.nodes
        for log_id in log_ids:
            node = nodes.get(log_id)
            if node is None:
                continue
            ref = node.session_ref  # read directly: this runs once per log of a filter
            session = ref() if ref is not None else None
            place = sessions.get(session.key) if session is not None else standalone.get(log_id)
            if place is not None:
                yield place, log_id

    def in_tree_order(self, log_ids: Iterable[str]) -> list[str]:
        """`log_ids` (each once) in the order the fully expanded tree shows them (others
        left out).

        Costs the logs given and the sessions holding them, not the whole forest.
        """
        return TreeOrder(self).add(log_ids).ordered()

    def tree_order_around(self, log_id: str | None, step: int = 1) -> Iterator[str]:
        """Every log in the order the fully expanded tree shows them (`step` -1: backwards),
        starting just after `log_id` and ending with it, wrapping around once; from the
        first (or last) log when `log_id` is None or not in the forest.

        Lazy: finding the next log of some kind walks only as far as that log.
        """
        before_end, after_wrap = self.tree_order_split(log_id, step)
        yield from before_end
        yield from after_wrap

    def tree_order_split(
        self, log_id: str | None, step: int = 1
    ) -> tuple[Iterator[str], Iterator[str]]:
        """`tree_order_around` in two parts: the logs up to the end of the tree (its start,
        going backwards), then those from its other end round to `log_id` (so a caller
        can tell it wrapped around)."""
        items = self.items
        count = len(items)
        place = self._place_of(log_id) if log_id is not None and count else None

        def from_place(start: int, stop: int) -> Iterator[str]:
            for k in range(start, stop):
                yield from _keys_in_order(items[k if step > 0 else count - 1 - k], step)

        if place is None:
            return from_place(0, count), iter(())
        here = _keys_in_order(items[place], step)
        at = here.index(log_id)
        nth = place if step > 0 else count - 1 - place  # its place in the walking order

        def rest_of_end() -> Iterator[str]:
            yield from here[at + 1 :]
            yield from from_place(nth + 1, count)

        def round_to_it() -> Iterator[str]:
            yield from from_place(0, nth)
            yield from here[: at + 1]

        return rest_of_end(), round_to_it()

    @property
    def problems(self) -> list[Problem]:
        return [p for found in self.problems_by_session.values() for p in found]

    @property
    def standalone_count(self) -> int:
        return sum(1 for item in self.items if isinstance(item, LogNode))


class TreeOrder:
    """Logs given in batches (hits streaming in, each log once), put in the order the
    fully expanded tree shows them at the end: each batch is sorted into its top items
    as it comes, so little is left to do once the last one is in."""

    def __init__(self, forest: Forest, index: LogIndex | None = None) -> None:
        self.forest = forest
        self._by_place: dict[int, list[str]] = {}  # top item's index -> its logs given
        # With the index the forest was mapped for (`Forest.by_position`), logs given by
        # their places in their files are sorted by position, with no lookup per log.
        self._index = index
        self._starts: list[int] | None = None
        mapped = forest.by_position
        if index is not None and mapped is not None and mapped[1] == index.generation:
            self._starts = index.file_starts()
            self._generation = index.generation
            self._counts = [len(state.log_ids) for state in index.files]

    def add(self, log_ids: Iterable[str]) -> TreeOrder:
        """Take more logs (ones not in the forest are left out)."""
        self._take(self.forest._places_of(log_ids))
        return self

    def add_places(self, file: int, places: Sequence[int], log_ids: Sequence[str]) -> TreeOrder:
        """Take more logs: `log_ids`, at `places` in the `log_ids` of file `file` of the
        index."""
        starts, index, mapped = self._starts, self._index, self.forest.by_position
        if (
            starts is None
            or index is None
            or mapped is None
            or index.generation != self._generation
            or file >= len(starts)
        ):
            return self.add(log_ids)
        tops, _, count = mapped
        base, known = starts[file], self._counts[file]
        self._take(
            (tops[base + place], log_id)
            for place, log_id in zip(places, log_ids, strict=True)
            # a log added since the forest was made is not in it
            if place < known and base + place < count and tops[base + place] >= 0
        )
        return self

    def _take(self, found: Iterable[tuple[int, str]]) -> None:
        """File each (top item's index, log id) under its top item."""
        by_place = self._by_place
        for place, log_id in found:
            held = by_place.get(place)
            if held is None:
                by_place[place] = [log_id]
            else:
                held.append(log_id)

    def ordered(self) -> list[str]:
        """Every log given, in tree order."""
        items = self.forest.items
        by_place = self._by_place
        ordered: list[str] = []
        for place in sorted(by_place):
            found = by_place[place]
            item = items[place]
            if len(found) == 1 or type(item) is not Session:
                ordered.extend(found)
                continue
            if len(found) == len(item.logs):  # every log of the session (each given once)
                ordered.extend(item.tree_ids())
            else:
                wanted = set(found)
                ordered.extend([log_id for log_id in item.tree_ids() if log_id in wanted])
        return ordered


def _keys_in_order(item: TopItem, step: int) -> list[str]:
    """The log ids of a top item in tree order (reversed when `step` is negative)."""
    nodes = item.nodes() if isinstance(item, Session) else item.walk()
    keys = [node.key for node in nodes]
    return keys if step > 0 else keys[::-1]


class _Keys:
    """Union-find over session keys (`id:...` and `ref:...`).

    Made from `sessions` (each key's ids pointing at it) when first used, if given: a
    forest restored from the cache needs them only when logs are added to it.
    """

    def __init__(self, sessions: Iterable[Session] | None = None) -> None:
        self._parent: dict[str, str] | None = {} if sessions is None else None
        self._sessions = sessions

    @property
    def parent(self) -> dict[str, str]:
        parent = self._parent
        if parent is None:
            parent = {}
            for session in self._sessions or ():
                key = session.key
                for sid in session.session_ids:
                    parent[_union_key(key, "id:", sid)] = key
                for reference in session.reference_ids:
                    parent[_union_key(key, "ref:", reference)] = key
            self._parent = parent
            self._sessions = None
        return parent

    def find(self, key: str) -> str:
        parent = self.parent.setdefault(key, key)
        root = key
        while parent != root:
            root = parent
            parent = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller key wins, so a session's key does not depend on load order.
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def _union_key(key: str, prefix: str, value: str) -> str:
    """`prefix + value`, as the session key itself when it is that (no second string)."""
    if len(key) == len(prefix) + len(value) and key.startswith(prefix) and key.endswith(value):
        return key
    return prefix + value


def session_keys(summary: LogSummary) -> tuple[str | None, str | None]:
    sid = f"id:{summary.session_id}" if summary.session_id else None
    ref = f"ref:{summary.session_reference_id}" if summary.session_reference_id else None
    return sid, ref


def _join_sessions(keys: _Keys, logs: list[LogSummary]) -> dict[str, str]:
    """Union the session keys of `logs` (a log with both ids joins them); then each log
    that has a session, mapped to its session's key."""
    first_keys: list[tuple[str, str]] = []  # (log id, its id key, else its reference key)
    for log in logs:
        sid, ref = session_keys(log)
        if sid and ref:
            keys.union(sid, ref)
        elif sid or ref:
            keys.find(sid or ref)  # type: ignore[arg-type]
        else:
            continue
        first_keys.append((log.id, sid or ref))  # type: ignore[arg-type]
    find = keys.find
    return {log_id: find(key) for log_id, key in first_keys}


def build_forest(logs: Iterable[LogSummary], files: Mapping[int, Path] | None = None) -> Forest:
    """The session forest of `logs` (see the module docstring)."""
    with gc_paused():  # a forest holds no reference cycles (session links are weak)
        return _build_forest(logs, files)


def _build_forest(logs: Iterable[LogSummary], files: Mapping[int, Path] | None) -> Forest:
    ordered = sorted(logs, key=time_key)
    by_id = {log.id: log for log in ordered}
    keys = _Keys()
    session_of = _join_sessions(keys, ordered)
    # A log without a session joins its parent's session when the parent has one, also
    # through session-less ancestors (a child may come before its parent in time order).
    for log in ordered:
        if log.id in session_of or not log.parent_id:
            continue
        chain = {log.id}
        parent = by_id.get(log.parent_id)
        while parent is not None and parent.id not in session_of and parent.id not in chain:
            chain.add(parent.id)
            parent = by_id.get(parent.parent_id) if parent.parent_id else None
        if parent is not None and parent.id in session_of:
            for log_id in chain:
                session_of[log_id] = session_of[parent.id]

    sessions: dict[str, Session] = {}
    nodes: dict[str, LogNode] = {}
    standalone: list[LogNode] = []
    for log in ordered:
        node = LogNode(log)
        nodes[log.id] = node
        key = session_of.get(log.id)
        if key is None:
            standalone.append(node)
            continue
        session = sessions.get(key)
        if session is None:
            session = sessions[key] = Session(key)
        session.logs.append(log)
        node.session = session
        if log.session_id and log.session_id not in session.session_ids:
            session.session_ids.append(log.session_id)  # type: ignore[union-attr]
        ref = log.session_reference_id
        if ref and ref not in session.reference_ids:
            session.reference_ids.append(ref)  # type: ignore[union-attr]

    problems: dict[str, list[Problem]] = {}
    for session in sessions.values():
        found: list[Problem] = []
        _nest(session, nodes, by_id, session_of, found, files or {})
        if found:
            problems[session.key] = found

    items: list[TopItem] = [*sessions.values(), *standalone]
    items.sort(key=item_sort_key, reverse=True)
    return Forest(items, sessions, nodes, problems, keys)


class _CurrentSession:
    """`session_of` during an update: new assignments first, then the forest's (re-rooted)."""

    def __init__(self, forest: Forest, keys: _Keys, assigned: dict[str, str]) -> None:
        self.forest = forest
        self.keys = keys
        self.assigned = assigned

    def get(self, log_id: str) -> str | None:
        key = self.assigned.get(log_id)
        if key is not None:
            return key
        node = self.forest.nodes.get(log_id)
        if node is None or node.session is None:
            return None
        return self.keys.find(node.session.key)


def update_forest(
    forest: Forest,
    added: Iterable[LogSummary],
    logs: Mapping[str, LogSummary],
    files: Mapping[int, Path] | None = None,
) -> Forest:
    """A new forest with `added` logs in it, rebuilding only the sessions they touch.

    `logs` is every log by id (the index). Sessions that are not touched are shared with
    the old forest, which stays valid for whoever still reads it.
    """
    with gc_paused():
        return _update_forest(forest, added, logs, files)


def _update_forest(
    forest: Forest,
    added: Iterable[LogSummary],
    logs: Mapping[str, LogSummary],
    files: Mapping[int, Path] | None,
) -> Forest:
    new_logs = sorted(added, key=time_key)
    if not new_logs:
        return forest
    if forest.keys is None:
        return build_forest(logs.values(), files)
    keys = forest.keys
    touched: set[str] = set()
    for log in new_logs:
        for key in session_keys(log):
            if key is not None and key in keys.parent:
                touched.add(keys.find(key))
    assigned = _join_sessions(keys, new_logs)
    current = _CurrentSession(forest, keys, assigned)
    new_ids = {log.id for log in new_logs}
    # Session-less logs (new ones, and standalone ones whose parent just arrived) join
    # their parent's session.
    joining: list[LogSummary] = []
    waiting: dict[str, list[LogSummary]] = {}
    for item in forest.items:
        if isinstance(item, LogNode) and item.log.parent_id:
            waiting.setdefault(item.log.parent_id, []).append(item.log)
    candidates = [log for log in new_logs if log.id not in assigned and log.parent_id]
    frontier = list(new_ids)
    while frontier:
        log_id = frontier.pop()
        candidates.extend(waiting.pop(log_id, ()))
        for log in sorted(candidates, key=time_key):
            if log.id in assigned:
                continue
            seen = {log.id}
            parent = logs.get(log.parent_id) if log.parent_id else None
            while parent is not None and current.get(parent.id) is None and parent.id not in seen:
                seen.add(parent.id)
                parent = logs.get(parent.parent_id) if parent.parent_id else None
            key = current.get(parent.id) if parent is not None else None
            if key is None:
                continue
            for member in seen:
                assigned[member] = key
                if member not in new_ids:
                    joining.append(logs[member])
                frontier.append(member)
        candidates = []
    roots = {keys.find(key) for key in touched} | set(assigned.values())
    old_sessions = [
        session
        for key, session in forest.sessions.items()
        if key in touched or keys.find(key) in roots
    ]
    old_keys = {session.key for session in old_sessions}
    moved = {log.id for log in joining}

    grouped: dict[str, list[LogSummary]] = {root: [] for root in roots}
    for session in old_sessions:
        grouped[keys.find(session.key)].extend(session.logs)
    for log in [*new_logs, *joining]:
        key = assigned.get(log.id)
        if key is not None:
            grouped[key].append(log)

    sessions = {k: v for k, v in forest.sessions.items() if k not in old_keys}
    nodes = LayeredNodes(forest.nodes)  # the old nodes shared, not copied
    problems = {k: v for k, v in forest.problems_by_session.items() if k not in old_keys}
    rebuilt: list[TopItem] = []
    for root, members in grouped.items():
        members.sort(key=time_key)
        session = Session(root)
        for log in members:
            node = LogNode(log, session_ref=weakref.ref(session))
            nodes[log.id] = node
            session.logs.append(log)
            if log.session_id and log.session_id not in session.session_ids:
                session.session_ids.append(log.session_id)  # type: ignore[union-attr]
            ref = log.session_reference_id
            if ref and ref not in session.reference_ids:
                session.reference_ids.append(ref)  # type: ignore[union-attr]
        found: list[Problem] = []
        _nest(session, nodes, logs, current, found, files or {})  # type: ignore[arg-type]
        if found:
            problems[root] = found
        sessions[root] = session
        rebuilt.append(session)
    for log in new_logs:
        if log.id not in assigned:
            node = LogNode(log)
            nodes[log.id] = node
            rebuilt.append(node)
    kept = [
        item
        for item in forest.items
        if not (isinstance(item, Session) and item.key in old_keys)
        and not (isinstance(item, LogNode) and item.key in moved)
    ]
    # The kept items are in order already: merged with the new ones, not sorted again
    # (a sort made a key tuple for every item at once: 11 MB at 500k logs, at the peak
    # of a cold open). Ties keep the kept item first, as the stable sort did.
    rebuilt.sort(key=item_sort_key, reverse=True)
    items = list(merge(kept, rebuilt, key=item_sort_key, reverse=True))
    return Forest(items, sessions, nodes, problems, keys)


def item_sort_key(item: TopItem) -> tuple[float, int, int]:
    """Where a top item goes in the tree (`items` are sorted by it, newest first)."""
    first = item.logs[0] if isinstance(item, Session) else item.log
    time = first.time
    return (-INF if math.isnan(time) else time, first.file, first.offset)


def _nest(
    session: Session,
    nodes: Mapping[str, LogNode],
    by_id: dict[str, LogSummary],
    session_of: dict[str, str],
    problems: list[Problem],
    files: Mapping[int, Path],
) -> None:
    """Link the session's logs to their parents; roots and children in time order."""
    by_reference: dict[str, str] = {}
    for log in session.logs:
        if log.reference_id and log.reference_id not in by_reference:
            by_reference[log.reference_id] = log.id
    parent_of: dict[str, str] = {}
    for log in session.logs:
        parent = None
        if log.parent_id and session_of.get(log.parent_id) == session.key:
            parent = log.parent_id
        elif log.parent_reference_id:
            parent = by_reference.get(log.parent_reference_id)
        if parent is not None:
            parent_of[log.id] = parent
        elif log.parent_id or log.parent_reference_id:
            nodes[log.id].orphan = True
    _break_cycles(session, parent_of, by_id, problems, files)
    for log in session.logs:  # already in time order, so children end up sorted
        node = nodes[log.id]
        parent = parent_of.get(log.id)
        if parent is None:
            session.roots.append(node)
        else:
            nodes[parent].adopt(node)


def _break_cycles(
    session: Session,
    parent_of: dict[str, str],
    by_id: dict[str, LogSummary],
    problems: list[Problem],
    files: Mapping[int, Path],
) -> None:
    """Find parent cycles; cut each at its earliest log, which becomes a root."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for log in session.logs:
        path: list[str] = []
        current: str | None = log.id
        while current is not None and state.get(current) is None:
            state[current] = 1
            path.append(current)
            current = parent_of.get(current)
        if current is not None and state.get(current) == 1:
            cycle = path[path.index(current) :]
            first = min(cycle, key=lambda i: time_key(by_id[i]))
            del parent_of[first]
            chain = " -> ".join([*cycle, cycle[0]])
            summary = by_id[first]
            where = files.get(summary.file, Path("?"))
            kind = file_kind(where)
            problems.append(
                Problem(
                    where,
                    summary.line,
                    f"parent cycle ({chain}); shown with {first} at the top",
                    unit="line" if kind is None or kind.is_lines else "record",
                )
            )
        for item in path:
            state[item] = 2
