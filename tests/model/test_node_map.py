"""PositionNodes (a restored forest's nodes by id, found through the index's positions)
and LayeredNodes (a grown forest's new nodes over the old ones)."""

from __future__ import annotations

from pathlib import Path

import pytest

import hltui.model.node_map as node_map
from hltui.model.forest_cache import load_forest, save_forest
from hltui.model.index import LogIndex
from hltui.model.node_map import LayeredNodes, PositionNodes
from hltui.model.sessions import Forest, LogNode, build_forest, update_forest
from hltui.model.summary import LogSummary
from hltui.model.tail import Tailer
from tests.conftest import append_bytes, forest_from, jsonl_bytes, make_log, write_jsonl


def at(second: int) -> str:
    return f"2024-03-01T12:00:{second:02d}Z"


def forest_from_logs(logs: list[LogSummary]) -> Forest:
    return build_forest(logs)


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
    assert isinstance(grown.nodes, LayeredNodes) and "new" in grown.nodes and "a1" in grown.nodes
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


def test_layered_nodes_answer_as_a_copied_dict_would(tmp_path: Path) -> None:
    """Layers over a dict: lookups, length and order as if each layer had copied the dict
    below and then set its nodes; the layers below are never changed."""
    index, _ = restored(tmp_path)
    node = {log_id: LogNode(log) for log_id, log in index.logs.items()}
    base = {"a1": node["a1"], "a2": node["a2"]}
    middle = LayeredNodes(base)
    middle["b1"] = node["b1"]
    middle["a1"] = LogNode(index.logs["a1"])  # a new node for a log shadows the old
    top = LayeredNodes(middle)
    top["lone"] = node["lone"]
    top["a2"] = LogNode(index.logs["a2"])
    expected = dict(base)
    expected.update({"b1": node["b1"], "a1": middle["a1"]})
    as_middle = dict(expected)
    expected.update({"lone": node["lone"], "a2": top["a2"]})
    assert list(top) == list(expected) == ["a1", "a2", "b1", "lone"]
    assert dict(top.items()) == expected and top.copy() == expected
    assert list(top.values()) == list(expected.values())
    assert len(top) == 4 and len(middle) == 3 and len(base) == 2
    assert dict(middle.items()) == as_middle  # the layer below is left as it was
    assert top["a1"] is middle["a1"] is not node["a1"]
    assert "nope" not in top and top.get("nope") is None and 7 not in top
    assert base == {"a1": node["a1"], "a2": node["a2"]}


def test_layers_become_one_dict_after_many_forests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long chain of forests grown one from another (a live tail) is made one dict
    again, so a lookup never passes through more than MAX_LEVELS dicts."""
    monkeypatch.setattr(node_map, "MAX_LEVELS", 3)
    index, _ = restored(tmp_path)
    nodes: LayeredNodes | dict[str, LogNode] = {}
    for number, (log_id, log) in enumerate(index.logs.items()):
        nodes = LayeredNodes(nodes)
        nodes[log_id] = LogNode(log)
        assert len(nodes._levels) <= 3
        assert list(nodes) == list(index.logs)[: number + 1]
    assert len(nodes) == len(index.logs)


def test_a_grown_forest_keeps_its_nodes_by_position_once_mapped(tmp_path: Path) -> None:
    """After a load, a forest grown batch by batch keeps the same nodes in a list by
    position (as a restored forest does) instead of layers of dicts."""
    index, _ = restored(tmp_path)
    logs = list(index.logs.values())
    grown = update_forest(
        update_forest(forest_from_logs(logs[:1]), logs[1:2], index.logs), logs[2:], index.logs
    )
    assert isinstance(grown.nodes, LayeredNodes)
    before = dict(grown.nodes.items())
    assert not grown.compact_nodes(index)  # not before its positions are mapped
    assert grown.map_positions(index)
    assert grown.compact_nodes(index)
    assert isinstance(grown.nodes, PositionNodes)
    assert len(grown.nodes) == len(before) == len(index.logs)
    for log_id, node in before.items():
        assert grown.nodes[log_id] is node
    assert dict(grown.nodes.items()) == before
    assert "nope" not in grown.nodes
    # more logs later (a live tail) go in layers over it
    grown_more = update_forest(grown, [], index.logs)
    assert grown_more.nodes is grown.nodes
