"""update_forest (adding logs to a forest) must give exactly what a full rebuild gives."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from hltui.model.sessions import Forest, LogNode, Session, build_forest, update_forest
from hltui.model.summary import LogSummary, decode_summary


def summary(number: int, **fields: Any) -> LogSummary:
    record = {"id": f"data_{number}", "config": {"type": "model", "model": "m"}, **fields}
    return decode_summary(json.dumps(record).encode(), file=0, offset=number, line=number + 1)


def shape(forest: Forest) -> list[Any]:
    """A comparable picture of a forest: items in order, each with its nested children."""

    def node_shape(node: LogNode) -> Any:
        return (node.key, node.orphan, [node_shape(c) for c in node.children])

    out: list[Any] = []
    for item in forest.items:
        if isinstance(item, Session):
            out.append(
                (
                    "session",
                    sorted(item.session_ids),
                    sorted(item.reference_ids),
                    [log.id for log in item.logs],
                    [node_shape(root) for root in item.roots],
                )
            )
        else:
            out.append(("log", node_shape(item)))
    return out


def random_logs(rng: random.Random, count: int) -> list[LogSummary]:
    """Logs in a few sessions (by id, by reference, or both), nested, some session-less."""
    logs: list[LogSummary] = []
    for number in range(count):
        fields: dict[str, Any] = {"created_at": f"2024-01-01T00:{rng.randrange(60):02d}:00Z"}
        pick = rng.random()
        if pick < 0.45:
            fields["session_id"] = f"sesh_{rng.randrange(6)}"
        elif pick < 0.7:
            fields["session_reference_id"] = f"conv-{rng.randrange(4)}"
        elif pick < 0.85:
            fields["session_id"] = f"sesh_{rng.randrange(6)}"
            fields["session_reference_id"] = f"conv-{rng.randrange(4)}"
        if number and rng.random() < 0.5:
            fields["parent_id"] = f"data_{rng.randrange(count)}"  # may come later, or never
        if rng.random() < 0.2:
            fields["reference_id"] = f"ref-{number}"
        if number and rng.random() < 0.15:
            fields["parent_reference_id"] = f"ref-{rng.randrange(count)}"
        logs.append(summary(number, **fields))
    return logs


@pytest.mark.parametrize("seed", range(60))
def test_adding_in_batches_equals_building_at_once(seed: int) -> None:
    rng = random.Random(seed)
    logs = random_logs(rng, rng.randrange(5, 60))
    arrival = logs[:]
    rng.shuffle(arrival)
    cut = rng.randrange(len(arrival))
    first, rest = arrival[:cut], arrival[cut:]
    known = {log.id: log for log in first}
    forest = build_forest(first)
    while rest:
        size = rng.randrange(1, 6)
        batch, rest = rest[:size], rest[size:]
        known.update((log.id, log) for log in batch)
        forest = update_forest(forest, batch, known)
    expected = build_forest(logs)
    assert shape(forest) == shape(expected)
    assert sorted(p.message for p in forest.problems) == sorted(
        p.message for p in expected.problems
    )
    assert set(forest.nodes) == {log.id for log in logs}


def test_update_leaves_the_old_forest_intact() -> None:
    parent = summary(1, session_id="sesh_a", created_at="2024-01-01T00:00:00Z")
    child = summary(2, session_id="sesh_a", parent_id="data_1", created_at="2024-01-01T00:01:00Z")
    old = build_forest([parent])
    before = shape(old)
    new = update_forest(old, [child], {"data_1": parent, "data_2": child})
    assert shape(old) == before
    (session,) = new.sessions.values()
    assert [node.key for node in session.roots[0].children] == ["data_2"]


def test_parent_arriving_after_its_children_re_nests_them() -> None:
    children = [
        summary(2, session_id="s", parent_id="data_1", created_at="2024-01-01T00:01:00Z"),
        summary(3, session_id="s", parent_id="data_1", created_at="2024-01-01T00:02:00Z"),
    ]
    forest = build_forest(children)
    (session,) = forest.sessions.values()
    assert all(root.orphan for root in session.roots)
    parent = summary(1, session_id="s", created_at="2024-01-01T00:00:00Z")
    logs = {log.id: log for log in [*children, parent]}
    forest = update_forest(forest, [parent], logs)
    (session,) = forest.sessions.values()
    assert [root.key for root in session.roots] == ["data_1"]
    assert [child.key for child in session.roots[0].children] == ["data_2", "data_3"]
    assert not any(node.orphan for node in session.nodes())


def test_a_log_with_both_ids_merges_two_sessions() -> None:
    by_id = summary(1, session_id="sesh_a", created_at="2024-01-01T00:00:00Z")
    by_ref = summary(2, session_reference_id="conv", created_at="2024-01-01T00:01:00Z")
    forest = build_forest([by_id, by_ref])
    assert len(forest.sessions) == 2
    both = summary(
        3, session_id="sesh_a", session_reference_id="conv", created_at="2024-01-01T00:02:00Z"
    )
    logs = {log.id: log for log in [by_id, by_ref, both]}
    forest = update_forest(forest, [both], logs)
    assert len(forest.sessions) == 1
    assert len(forest.items) == 1
    (session,) = forest.sessions.values()
    assert [log.id for log in session.logs] == ["data_1", "data_2", "data_3"]
