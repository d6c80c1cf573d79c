"""The forest cache: a warm open with the same files gets the same forest without building it."""

from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import Any

import msgspec
import pytest

import hltui.model.forest_cache as forest_cache
from hltui.model.columns import FilterColumns, filter_columns
from hltui.model.forest_cache import load_forest, save_forest
from hltui.model.index import LogIndex
from hltui.model.sessions import Forest, LogNode, Session, update_forest
from tests.conftest import append_bytes, forest_from, jsonl_bytes, make_log, write_json, write_jsonl


def at(second: int) -> str:
    return f"2024-03-01T12:00:{second:02d}Z"


def log(log_id: str, second: int, **fields: Any) -> dict[str, Any]:
    return make_log(log_id, created_at=at(second), **fields)


def _keys(item: Session | LogNode) -> list[str]:
    return item.tree_ids() if isinstance(item, Session) else [item.key]


def node_shape(node: LogNode) -> Any:
    return (node.log.id, node.orphan, [node_shape(child) for child in node.children])


def forest_shape(forest: Forest) -> Any:
    """Everything a forest shows and looks up, comparable."""
    items = []
    for item in forest.items:
        if isinstance(item, Session):
            items.append(
                (
                    item.key,
                    list(item.session_ids),
                    list(item.reference_ids),
                    [x.id for x in item.logs],
                    [node_shape(root) for root in item.roots],
                )
            )
        else:
            items.append(node_shape(item))
    nodes = {
        log_id: node.session.key if node.session else None for log_id, node in forest.nodes.items()
    }
    problems = {
        key: [(p.file, p.line, p.message, p.severity, p.unit) for p in found]
        for key, found in forest.problems_by_session.items()
    }
    return items, nodes, problems


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Sessions by id and by reference, nesting across files, an orphan, a cycle, loners."""
    logs = tmp_path / "logs"
    write_jsonl(
        logs / "a.jsonl",
        [
            log("a1", 1, session_id="s1"),
            log("a2", 5, session_id="s1", parent_id="a1"),
            log("a3", 2, session_id="s1", parent_id="a4"),  # a child before its parent
            log("a4", 3, session_id="s1", parent_id="a1"),
            log("lone", 9),
            log("orphan", 4, session_id="s2", parent_id="missing"),
            log("c1", 6, session_id="s3", parent_id="c2"),
            log("c2", 7, session_id="s3", parent_id="c1"),  # a cycle
        ],
    )
    write_json(
        logs / "deep" / "b.json",
        {
            "records": [
                log("b1", 8, session_reference_id="r1", reference_id="top"),
                log("b2", 10, session_reference_id="r1", parent_reference_id="top"),
                log("b3", 11, session_id="s1", session_reference_id="r1"),  # joins s1 and r1
                log("kid", 12, parent_id="a1"),  # no session: joins its parent's
                make_log("untimed", created_at=None),
            ]
        },
    )
    return logs


def warm_forest(root: Path) -> tuple[LogIndex, Forest | None]:
    index = LogIndex(root).load()
    return index, load_forest(index)


def test_a_warm_open_gets_the_same_forest(root: Path) -> None:
    index = LogIndex(root).load()
    built = forest_from(index)
    assert save_forest(index, built)
    index, cached = warm_forest(root)
    assert cached is not None
    assert forest_shape(cached) == forest_shape(forest_from(index))
    # a restored forest saves as the built one did (its sessions' positions and parent
    # places read off its tree order)
    assert forest_cache.snapshot_of(index, cached) == forest_cache.snapshot_of(
        index, forest_from(index)
    )
    assert all(cached.nodes[log_id].log is summary for log_id, summary in index.logs.items())
    assert any("parent cycle" in p.message for p in cached.problems)
    orphan = cached.nodes["orphan"]
    assert orphan.orphan and orphan.session is not None
    assert cached.nodes["a1"].session is cached.sessions[cached.nodes["b3"].session.key]
    assert math.isnan(cached.nodes["untimed"].log.time)
    # the top item of each log by position comes with it, as a built forest makes it
    assert cached.by_position is not None
    rebuilt = forest_from(index)
    assert rebuilt.map_positions(index)
    assert cached.by_position == rebuilt.by_position
    # and so do the positions in tree order (nested sessions, an orphan, a cycle)
    assert cached.tree_positions is not None
    assert cached.tree_positions == rebuilt.tree_positions
    in_order = list(index.logs)
    assert [in_order[at] for at in cached.tree_positions] == [
        key for item in rebuilt.items for key in _keys(item)
    ]


def test_the_snapshot_is_written_as_msgspec_encodes_it(root: Path) -> None:
    """Written field by field from its buffers (no encoded copy of the whole), the file
    is byte for byte what msgspec would make, and reads back equal."""
    index = LogIndex(root).load()
    forest = forest_from(index)
    assert forest.map_positions(index)
    snapshot = forest_cache.snapshot_of(index, forest)
    assert snapshot is not None
    assert any(isinstance(value, memoryview) for value in msgspec.structs.astuple(snapshot))
    out = io.BytesIO()
    forest_cache.write_snapshot(out, snapshot)
    assert out.getvalue() == msgspec.msgpack.encode(snapshot)
    assert save_forest(index, forest)
    assert forest_cache.read_snapshot(index.root) == snapshot
    # the headers of long arrays and columns too (8-, 16- and 32-bit lengths)
    for length in (0, 15, 16, 255, 256, 65_535, 65_536, 70_000):
        column = bytes(length)
        assert forest_cache._bin_header(length) + column == msgspec.msgpack.encode(column)
        items = [0] * length
        header = forest_cache._array_header(length)
        assert header + bytes(length) == msgspec.msgpack.encode(items)


def test_a_cached_forest_takes_new_logs_like_a_built_one(root: Path) -> None:
    """Its session keys are restored, so live updates join the right sessions."""
    index = LogIndex(root).load()
    save_forest(index, forest_from(index))
    index, cached = warm_forest(root)
    assert cached is not None
    append_bytes(
        root / "a.jsonl",
        jsonl_bytes(
            [
                log("n1", 13, session_reference_id="r1"),
                log("n2", 14, session_id="s3", parent_id="c1"),
                log("n3", 15, parent_id="lone"),
            ]
        ),
    )
    added = [b.logs for b in index.read_file(root / "a.jsonl")]
    new = [summary for batch in added for summary in batch]
    files = {n: s.path for n, s in enumerate(index.files)}
    updated = update_forest(cached, new, index.logs, files)
    assert forest_shape(updated) == forest_shape(forest_from(index))


@pytest.mark.parametrize(
    "change",
    ["append", "touch", "new file", "delete", "replace"],
)
def test_changed_files_mean_the_forest_is_built(root: Path, change: str) -> None:
    index = LogIndex(root).load()
    save_forest(index, forest_from(index))
    target = root / "a.jsonl"
    if change == "append":
        append_bytes(target, jsonl_bytes([log("new", 20, session_id="s1")]))
    elif change == "touch":
        stat = target.stat()
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    elif change == "new file":
        write_jsonl(root / "c.jsonl", [log("other", 20)])
    elif change == "delete":
        (root / "deep" / "b.json").unlink()
    else:
        data = target.read_bytes()
        target.unlink()
        target.write_bytes(data)  # same bytes, another inode
    _, cached = warm_forest(root)
    assert cached is None


def flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def test_a_warm_open_brings_the_filter_columns(root: Path) -> None:
    index = LogIndex(root).load()
    assert save_forest(index, forest_from(index))
    assert warm_forest(root)[0].columns is None  # none were made, so none are kept
    made = filter_columns(index, list(index.logs.values()))
    assert save_forest(index, forest_from(index))
    index, cached = warm_forest(root)
    assert cached is not None
    logs = list(index.logs.values())
    restored = index.columns
    assert restored is not None and restored.last is logs[-1]
    fresh = FilterColumns.of(logs)
    assert restored == FilterColumns(fresh.count, logs[-1], *columns_after_last(fresh))
    assert restored == FilterColumns(made.count, logs[-1], *columns_after_last(made))
    assert filter_columns(index, logs) is restored  # a filter reads them as they are


def columns_after_last(columns: FilterColumns) -> tuple[Any, ...]:
    return columns.project, columns.model, columns.error, columns.feedback


def test_a_corrupt_or_foreign_forest_cache_is_not_trusted(root: Path) -> None:
    index = LogIndex(root).load()
    filter_columns(index, list(index.logs.values()))
    save_forest(index, forest_from(index))
    path = forest_cache.forest_cache_path(root)
    good = path.read_bytes()

    path.write_bytes(good[: len(good) // 2])
    assert warm_forest(root)[1] is None

    snapshot = msgspec.msgpack.decode(good, type=forest_cache.ForestSnapshot)
    other_version = msgspec.structs.replace(snapshot, version=snapshot.version + 1)
    path.write_bytes(msgspec.msgpack.encode(other_version))
    assert warm_forest(root)[1] is None

    # positions that name other logs than the snapshot says (first ids that differ)
    other_firsts = forest_cache.first_ids_digest(["nope"])
    for bad in (
        {"first_ids": other_firsts},
        {"parents": b"\x00"},
        {"counts": snapshot.counts[:-4]},  # a top item less
        {"id_counts": snapshot.id_counts[:-4]},
        {"session_ids": [*snapshot.session_ids, "extra"]},
        {"problems": [(len(snapshot.keys), "a.jsonl", 1, "x", "warning", "line")]},
        # a damaged byte in a column worked out when saved, which nothing else checks
        {"tree_order": flip_last_byte(snapshot.tree_order)},
        {"inverse": flip_last_byte(snapshot.inverse)},
        {"tops": flip_last_byte(snapshot.tops)},
        {"error_flags": flip_last_byte(snapshot.error_flags)},
        {"project_values": ["tampered", *(snapshot.project_values or [])[1:]]},
    ):
        path.write_bytes(msgspec.msgpack.encode(msgspec.structs.replace(snapshot, **bad)))
        assert warm_forest(root)[1] is None, bad

    path.write_bytes(good)
    assert warm_forest(root)[1] is not None


def test_no_cache_without_a_saved_forest(root: Path) -> None:
    assert warm_forest(root)[1] is None
