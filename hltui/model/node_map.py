"""Nodes by log id without a dict of every log: `PositionNodes` for a restored forest (or
one compacted after a load), `LayeredNodes` for a forest grown from another.

A dict of 500k ids costs 21 MB and 0.3 s to build (each insertion a cache miss). A forest
restored from the forest cache has its nodes in a list by the logs' positions in the
index instead (4 MB), and finds a log's node through the index: the log's file, then its
place there by offset. While no log has been removed from the index since, positions
mean what they did (logs are only appended); after a removal the map becomes a plain
dict once, so it always answers by id.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hltui.model.index import Positions
    from hltui.model.sessions import LogNode


class _NodesByGet(Mapping[str, "LogNode"]):
    """Nodes by log id where `get` does the finding; `[]` and `in` follow from it."""

    def get(self, log_id: str, default: LogNode | None = None) -> LogNode | None:  # type: ignore[override]
        raise NotImplementedError

    def __getitem__(self, log_id: str) -> LogNode:
        node = self.get(log_id)
        if node is None:
            raise KeyError(log_id)
        return node

    def __contains__(self, log_id: object) -> bool:
        return isinstance(log_id, str) and self.get(log_id) is not None


class PositionNodes(_NodesByGet):
    """Log id -> node, for nodes given by their logs' positions in `index.logs`."""

    def __init__(self, positions: Positions, by_position: list[LogNode]) -> None:
        self._positions = positions
        self._nodes = by_position
        self._dict: dict[str, LogNode] | None = None
        self._lock = threading.Lock()

    def _by_id(self) -> dict[str, LogNode] | None:
        """The plain dict, made once positions stop fitting (None while they fit)."""
        if self._dict is None and not self._positions.fits():
            with self._lock:
                if self._dict is None:
                    self._dict = {node.log.id: node for node in self._nodes}
        return self._dict

    def get(self, log_id: str, default: LogNode | None = None) -> LogNode | None:  # type: ignore[override]
        by_id = self._by_id()
        if by_id is not None:
            return by_id.get(log_id, default)
        log = self._positions.index.logs.get(log_id)
        at = self._positions.of(log) if log is not None else None
        if at is None or at >= len(self._nodes):
            return default
        node = self._nodes[at]
        return node if node.log.id == log_id else default

    def __len__(self) -> int:
        return len(self._nodes)

    def __iter__(self) -> Iterator[str]:
        return (node.log.id for node in self._nodes)

    def values(self) -> Iterator[LogNode]:  # type: ignore[override]
        return iter(self._nodes)

    def items(self) -> Iterator[tuple[str, LogNode]]:  # type: ignore[override]
        return ((node.log.id, node) for node in self._nodes)

    def copy(self) -> dict[str, LogNode]:
        """A plain dict of the same nodes (for a forest that adds to this one)."""
        return {node.log.id: node for node in self._nodes}


MAX_LEVELS = 16  # dicts a lookup may pass through before the layers are made one dict


class LayeredNodes(_NodesByGet):
    """Log id -> node for a forest grown from another: its new nodes in a dict of their
    own, over the nodes of the forest it grew from, which are shared and never changed.

    Growing a forest used to copy the whole dict of nodes first (20 MB at 500k logs,
    while the forest shown still held its own: the peak memory of a cold open). A new
    node for a log shadows the old one. After `MAX_LEVELS` forests grown one from
    another (a long live tail), the layers below are made one dict again. Iteration
    gives the ids in the order a copied dict would: the oldest layer's first.
    """

    def __init__(self, below: Mapping[str, LogNode]) -> None:
        self._top: dict[str, LogNode] = {}
        levels: tuple[Mapping[str, LogNode], ...]
        levels = below._levels if isinstance(below, LayeredNodes) else (below,)
        if len(levels) >= MAX_LEVELS:
            levels = (below.copy(),)  # type: ignore[union-attr]
        self._levels: tuple[Mapping[str, LogNode], ...] = (self._top, *levels)
        self._below_len = len(below)
        self._len: int | None = None

    def __setitem__(self, log_id: str, node: LogNode) -> None:
        """Add or replace a node (only while the forest is being grown)."""
        self._top[log_id] = node
        self._len = None

    def get(self, log_id: str, default: LogNode | None = None) -> LogNode | None:  # type: ignore[override]
        for level in self._levels:
            node = level.get(log_id)
            if node is not None:
                return node
        return default

    def __len__(self) -> int:
        if self._len is None:
            below = self._levels[1:]
            new = sum(1 for log_id in self._top if not any(log_id in level for level in below))
            self._len = self._below_len + new
        return self._len

    def __iter__(self) -> Iterator[str]:
        levels = self._levels
        for depth in range(len(levels) - 1, -1, -1):
            below = levels[depth + 1 :]
            for log_id in levels[depth]:
                if not any(log_id in level for level in below):
                    yield log_id

    def values(self) -> Iterator[LogNode]:  # type: ignore[override]
        return map(self.__getitem__, self)

    def items(self) -> Iterator[tuple[str, LogNode]]:  # type: ignore[override]
        return ((log_id, self[log_id]) for log_id in self)

    def copy(self) -> dict[str, LogNode]:
        """A plain dict of the same nodes: each layer over the one below, in C (as the
        dict copy it stands for: a replaced node keeps its old place)."""
        merged: dict[str, LogNode] = {}
        for level in reversed(self._levels):
            merged.update(level)
        return merged
