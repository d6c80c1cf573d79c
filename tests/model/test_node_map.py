"""PositionNodes: a restored forest's nodes by id, found through the index's positions."""

from __future__ import annotations

from pathlib import Path

from hltui.model.forest_cache import load_forest, save_forest
from hltui.model.index import LogIndex
from hltui.model.node_map import PositionNodes
from hltui.model.sessions import Forest, update_forest
from hltui.model.tail import Tailer
from tests.conftest import append_bytes, forest_from, jsonl_bytes, make_log, write_jsonl


def at(second: int) -> str:
    return f"2024-03-01T12:00:{second:02d}Z"


def restored(root: Path) -> tuple[LogIndex, Forest]:
    write_jsonl(
        root / "a.jsonl",
        [
            make_log("a1", session_id="s", created_at=at(1)),
            make_log("a2", session_id="s", parent_id="a1", created_at=at(3)),
            make_log("lone", created_at=at(5)),
        ],
    )
    write_jsonl(root / "b.jsonl", [make_log("b1", session_id="s", created_at=at(2))])
    index = LogIndex(root).load()
    save_forest(index, forest_from(index))
    index = LogIndex(root).load()
    forest = load_forest(index)
    assert forest is not None
    return index, forest


def test_a_restored_forest_finds_nodes_by_position_as_a_dict_would(tmp_path: Path) -> None:
    index, forest = restored(tmp_path)
    nodes = forest.nodes
    assert isinstance(nodes, PositionNodes)
    built = forest_from(index).nodes
    assert len(nodes) == len(built) == 4
    assert sorted(nodes) == sorted(built)
    assert {log_id: node.log.id for log_id, node in nodes.items()} == {i: i for i in built}
    assert sorted(node.log.id for node in nodes.values()) == sorted(built)
    for log_id in built:
        assert log_id in nodes and nodes[log_id].log is index.logs[log_id]
        assert nodes.get(log_id) is nodes[log_id]
    assert "nope" not in nodes and nodes.get("nope") is None
    assert nodes["a2"].session is nodes["b1"].session is forest.sessions["id:s"]


def test_logs_added_later_are_not_its_nodes(tmp_path: Path) -> None:
    index, forest = restored(tmp_path)
    tailer = Tailer(index)
    first = index.files[0].path
    append_bytes(first, jsonl_bytes([make_log("new", session_id="s", created_at=at(9))]))
    tailer.apply([first])
    assert "new" in index.logs and "new" not in forest.nodes
    assert forest.nodes["a1"].log.id == "a1"
    grown = update_forest(forest, [index.logs["new"]], index.logs)
    assert isinstance(grown.nodes, dict) and "new" in grown.nodes and "a1" in grown.nodes
    assert "new" not in forest.nodes  # the old forest is left as it was


def test_after_logs_are_removed_it_answers_by_id(tmp_path: Path) -> None:
    index, forest = restored(tmp_path)
    tailer = Tailer(index)
    first = index.files[0].path
    index.forget_file(first)  # positions after it move down
    assert forest.nodes["b1"].log.id == "b1"
    for log_id in ("a1", "a2", "lone"):  # still the forest's, though gone from the index
        assert log_id in forest.nodes
    tailer.apply([first])  # read again: the same ids, new summaries
    assert "a1" in index.logs and "a1" in forest.nodes
