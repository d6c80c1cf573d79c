"""Session forests: grouping, nesting, ordering, orphans and cycles (hltui.model.sessions)."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

from hltui.model.sessions import Forest, LogNode, Session
from tests.conftest import forest_from, forest_of, load_index, make_log, write_json, write_jsonl


def at(second: int, minute: int = 0, hour: int = 12) -> str:
    return f"2024-03-01T{hour:02d}:{minute:02d}:{second:02d}Z"


def log(log_id: str, second: int = 0, **fields: Any) -> dict[str, Any]:
    return make_log(log_id, created_at=at(second), **fields)


def all_ids(forest: Forest) -> list[str]:
    """Every log id in the forest, walking sessions and standalone logs."""
    found = []
    for item in forest.items:
        nodes = item.nodes() if isinstance(item, Session) else item.walk()
        found.extend(node.log.id for node in nodes)
    return found


def assert_each_log_once(forest: Forest, expected: int) -> None:
    ids = all_ids(forest)
    assert len(ids) == expected
    assert len(set(ids)) == len(ids), Counter(ids).most_common(3)
    assert len(forest.nodes) == expected
    in_sessions = sum(len(s.logs) for s in forest.sessions.values())
    assert in_sessions + forest.standalone_count == expected
    for session in forest.sessions.values():
        assert sorted(n.log.id for n in session.nodes()) == sorted(x.id for x in session.logs)


def shape(node: LogNode) -> Any:
    """A node as `id` or `(id, [children...])`, for comparing tree shapes."""
    if not node.children:
        return node.log.id
    return (node.log.id, [shape(child) for child in node.children])


def tree(session: Session) -> list[Any]:
    return [shape(root) for root in session.roots]


def only_session(forest: Forest) -> Session:
    assert len(forest.sessions) == 1
    return next(iter(forest.sessions.values()))


# -- grouping --------------------------------------------------------------------------------


def test_grouping_by_session_id(tmp_path: Path) -> None:
    forest = forest_of(
        tmp_path,
        [
            log("data_1", 1, session_id="sesh_a"),
            log("data_2", 2, session_id="sesh_b"),
            log("data_3", 3, session_id="sesh_a"),
        ],
    )
    assert_each_log_once(forest, 3)
    assert len(forest.sessions) == 2
    by_sid = {s.session_ids[0]: s for s in forest.sessions.values()}
    assert [x.id for x in by_sid["sesh_a"].logs] == ["data_1", "data_3"]
    assert [x.id for x in by_sid["sesh_b"].logs] == ["data_2"]
    assert tree(by_sid["sesh_a"]) == ["data_1", "data_3"]
    assert forest.standalone_count == 0
    for node in forest.nodes.values():
        assert node.session is not None
        assert node.log in node.session.logs


def test_grouping_by_session_reference_id(tmp_path: Path) -> None:
    forest = forest_of(
        tmp_path,
        [
            log("data_1", 1, session_reference_id="conv-1"),
            log("data_2", 2, session_reference_id="conv-1"),
            log("data_3", 3, session_reference_id="conv-2"),
        ],
    )
    assert_each_log_once(forest, 3)
    by_ref = {s.reference_ids[0]: s for s in forest.sessions.values()}
    assert sorted(by_ref) == ["conv-1", "conv-2"]
    assert [x.id for x in by_ref["conv-1"].logs] == ["data_1", "data_2"]
    assert by_ref["conv-1"].session_ids == []


def test_a_log_with_both_ids_joins_two_groups(tmp_path: Path) -> None:
    forest = forest_of(
        tmp_path,
        [
            log("data_1", 1, session_id="sesh_a"),
            log("data_2", 2, session_reference_id="conv-1"),
            log("data_3", 3, session_id="sesh_a", session_reference_id="conv-1"),
            log("data_4", 4, session_reference_id="conv-1"),
            log("data_5", 5, session_id="sesh_other"),
        ],
    )
    assert_each_log_once(forest, 5)
    assert len(forest.sessions) == 2
    joined = forest.nodes["data_1"].session
    assert joined is not None
    assert [x.id for x in joined.logs] == ["data_1", "data_2", "data_3", "data_4"]
    assert joined.session_ids == ["sesh_a"]
    assert joined.reference_ids == ["conv-1"]
    assert forest.nodes["data_5"].session is not joined


def test_joining_is_transitive(tmp_path: Path) -> None:
    forest = forest_of(
        tmp_path,
        [
            log("data_1", 1, session_id="sesh_a", session_reference_id="r1"),
            log("data_2", 2, session_id="sesh_b", session_reference_id="r1"),
            log("data_3", 3, session_id="sesh_b", session_reference_id="r2"),
            log("data_4", 4, session_reference_id="r2"),
        ],
    )
    session = only_session(forest)
    assert sorted(session.session_ids) == ["sesh_a", "sesh_b"]
    assert sorted(session.reference_ids) == ["r1", "r2"]
    assert_each_log_once(forest, 4)


def test_logs_without_session_stand_alone(tmp_path: Path) -> None:
    forest = forest_of(
        tmp_path,
        [
            log("data_1", 1),
            log("data_2", 2, session_id="sesh_a"),
            log("data_3", 3),
        ],
    )
    assert_each_log_once(forest, 3)
    assert forest.standalone_count == 2
    standalone = [i for i in forest.items if isinstance(i, LogNode)]
    assert [n.log.id for n in standalone] == ["data_3", "data_1"]
    assert all(n.session is None and not n.orphan for n in standalone)


# -- nesting ---------------------------------------------------------------------------------


def test_nesting_by_parent_id_children_before_parents_in_the_file(tmp_path: Path) -> None:
    s = {"session_id": "sesh_a"}
    forest = forest_of(
        tmp_path,
        [
            log("data_grandchild", 4, parent_id="data_child", **s),
            log("data_child", 3, parent_id="data_root", **s),
            log("data_child2", 5, parent_id="data_root", **s),
            log("data_root", 1, **s),
        ],
    )
    session = only_session(forest)
    assert tree(session) == [("data_root", [("data_child", ["data_grandchild"]), "data_child2"])]
    assert not any(node.orphan for node in forest.nodes.values())
    assert forest.problems == []
    assert_each_log_once(forest, 4)


def test_nesting_across_files(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "child.jsonl", [log("data_2", 2, session_id="s", parent_id="data_1")])
    write_json(tmp_path / "parent.json", [log("data_1", 1, session_id="s")])
    forest = forest_from(load_index(tmp_path))
    assert tree(only_session(forest)) == [("data_1", ["data_2"])]


def test_nesting_by_parent_reference_id(tmp_path: Path) -> None:
    s = {"session_reference_id": "conv-1"}
    forest = forest_of(
        tmp_path,
        [
            log("data_3", 3, parent_reference_id="step-2", reference_id="step-3", **s),
            log("data_2", 2, parent_reference_id="step-1", reference_id="step-2", **s),
            log("data_1", 1, reference_id="step-1", **s),
        ],
    )
    assert tree(only_session(forest)) == [("data_1", [("data_2", ["data_3"])])]
    assert_each_log_once(forest, 3)


def test_parent_reference_id_matches_only_in_the_same_session(tmp_path: Path) -> None:
    forest = forest_of(
        tmp_path,
        [
            log("data_1", 1, session_id="sesh_a", reference_id="step-1"),
            log("data_2", 2, session_id="sesh_b", parent_reference_id="step-1"),
            log("data_3", 3, session_id="sesh_b", reference_id="step-1"),
            log("data_4", 4, session_id="sesh_c", parent_reference_id="step-1"),
        ],
    )
    b = forest.nodes["data_2"].session
    assert b is not None
    assert tree(b) == [("data_3", ["data_2"])]  # its own session's step-1, later in time
    assert forest.nodes["data_4"].orphan  # no step-1 in sesh_c
    assert tree(forest.nodes["data_1"].session) == ["data_1"]  # type: ignore[arg-type]
    assert_each_log_once(forest, 4)


def test_parent_id_in_another_session_is_an_orphan(tmp_path: Path) -> None:
    forest = forest_of(
        tmp_path,
        [
            log("data_1", 1, session_id="sesh_a"),
            log("data_2", 2, session_id="sesh_b", parent_id="data_1"),
        ],
    )
    assert forest.nodes["data_2"].orphan
    assert forest.nodes["data_2"].session is not forest.nodes["data_1"].session
    assert_each_log_once(forest, 2)


def test_siblings_by_time_then_file_order(tmp_path: Path) -> None:
    s = {"session_id": "sesh_a", "parent_id": "data_p"}
    forest = forest_of(
        tmp_path,
        [
            log("data_late", 9, **s),
            log("data_tie_1", 5, **s),
            log("data_early", 2, **s),
            log("data_tie_2", 5, **s),
            make_log("data_untimed", created_at=None, **s),
            log("data_p", 1, session_id="sesh_a"),
            # Same moment written another way (+05:30) sorts by the moment, not the string.
            make_log("data_offset", created_at="2024-03-01T17:30:03+05:30", **s),
        ],
    )
    session = only_session(forest)
    assert tree(session) == [
        (
            "data_p",
            ["data_early", "data_offset", "data_tie_1", "data_tie_2", "data_late", "data_untimed"],
        )
    ]
    assert_each_log_once(forest, 7)


def test_roots_in_time_order(tmp_path: Path) -> None:
    forest = forest_of(
        tmp_path,
        [
            log("data_b", 20, session_id="s"),
            log("data_a", 10, session_id="s"),
            log("data_c", 30, session_id="s"),
        ],
    )
    assert tree(only_session(forest)) == ["data_a", "data_b", "data_c"]


def test_orphan_is_kept_at_the_top_of_its_session(tmp_path: Path) -> None:
    forest = forest_of(
        tmp_path,
        [
            log("data_1", 1, session_id="s"),
            log("data_2", 2, session_id="s", parent_id="data_missing"),
            log("data_3", 3, session_id="s", parent_reference_id="ref-missing"),
            log("data_4", 4, session_id="s", parent_id="data_2"),
        ],
    )
    session = only_session(forest)
    assert tree(session) == ["data_1", ("data_2", ["data_4"]), "data_3"]
    assert [n.log.id for n in forest.nodes.values() if n.orphan] == ["data_2", "data_3"]
    assert forest.problems == []
    assert_each_log_once(forest, 4)


def test_two_log_cycle_is_broken_and_reported(tmp_path: Path) -> None:
    forest = forest_of(
        tmp_path,
        [
            log("data_a", 1, session_id="s", parent_id="data_b"),
            log("data_b", 2, session_id="s", parent_id="data_a"),
            log("data_c", 3, session_id="s", parent_id="data_b"),
        ],
    )
    session = only_session(forest)
    assert tree(session) == [("data_a", [("data_b", ["data_c"])])]  # cut at the earliest log
    assert len(forest.problems) == 1
    problem = forest.problems[0]
    assert "cycle" in problem.message
    assert "data_a" in problem.message and "data_b" in problem.message
    assert problem.file == tmp_path / "logs.jsonl"
    assert problem.line == 1
    assert problem.is_error
    assert_each_log_once(forest, 3)


def test_self_parent_is_broken_and_reported(tmp_path: Path) -> None:
    forest = forest_of(
        tmp_path,
        [
            log("data_a", 1, session_id="s", parent_id="data_a"),
            log("data_b", 2, session_id="s", reference_id="r", parent_reference_id="r"),
        ],
    )
    assert tree(only_session(forest)) == ["data_a", "data_b"]
    assert len(forest.problems) == 2
    assert all("cycle" in p.message for p in forest.problems)
    assert_each_log_once(forest, 2)


def test_long_cycle_and_cycle_in_a_json_file(tmp_path: Path) -> None:
    logs = [log(f"data_{i}", i, session_id="s", parent_id=f"data_{(i + 1) % 5}") for i in range(5)]
    write_json(tmp_path / "cycle.json", logs)
    forest = forest_from(load_index(tmp_path))
    assert len(forest.problems) == 1
    assert forest.problems[0].place(tmp_path) == "cycle.json record 1"
    session = only_session(forest)
    assert len(session.roots) == 1
    assert session.roots[0].log.id == "data_0"
    assert_each_log_once(forest, 5)


def test_session_less_child_joins_its_parents_session(tmp_path: Path) -> None:
    forest = forest_of(
        tmp_path,
        [
            log("data_grandchild", 1, parent_id="data_child"),  # earliest, no session
            log("data_child", 2, parent_id="data_root"),  # no session either
            log("data_root", 3, session_id="sesh_a"),
            log("data_alone", 4, parent_id="data_nowhere"),
        ],
    )
    session = forest.nodes["data_root"].session
    assert session is not None
    assert tree(session) == [("data_root", [("data_child", ["data_grandchild"])])]
    assert forest.nodes["data_grandchild"].session is session
    assert forest.nodes["data_alone"].session is None
    assert forest.standalone_count == 1
    assert_each_log_once(forest, 4)


def test_session_less_parent_cycle_does_not_hang(tmp_path: Path) -> None:
    forest = forest_of(
        tmp_path,
        [
            log("data_a", 1, parent_id="data_b"),
            log("data_b", 2, parent_id="data_a"),
        ],
    )
    assert forest.standalone_count == 2
    assert_each_log_once(forest, 2)


# -- ordering and figures --------------------------------------------------------------------


def test_sessions_newest_first_with_standalone_logs_among_them(tmp_path: Path) -> None:
    forest = forest_of(
        tmp_path,
        [
            log("data_old", 1, session_id="s_old"),
            log("data_old2", 50, session_id="s_old"),
            log("data_new", 30, session_id="s_new"),
            log("data_alone", 20),
            make_log("data_untimed", created_at=None, session_id="s_untimed"),
            log("data_mid", 10, session_id="s_mid"),
        ],
    )

    def first_id(item: Session | LogNode) -> str:
        return item.logs[0].id if isinstance(item, Session) else item.log.id

    assert [first_id(i) for i in forest.items] == [
        "data_new",
        "data_alone",
        "data_mid",
        "data_old",
        "data_untimed",
    ]
    assert_each_log_once(forest, 6)


def test_session_figures(tmp_path: Path) -> None:
    forest = forest_of(
        tmp_path,
        [
            log("data_1", 0, session_id="s", duration=2, project="a", reference_id="x"),
            log(
                "data_2",
                10,
                session_id="s",
                duration=5.5,
                project="b",
                error="boom",
                messages=[{"role": "user", "content": "hello there"}],
                feedback=[{"type": "rating", "value": "good"}, {"type": "comment", "value": "ok"}],
            ),
            make_log("data_3", created_at=None, session_id="s"),
        ],
    )
    session = only_session(forest)
    assert session.start == forest.nodes["data_1"].log.time
    assert session.span == 15.5
    assert session.error_count == 1
    assert session.feedback_count == 2
    assert session.projects == ["a", "b", "support"]
    prompts = {"data_2": "hello there"}
    assert session.preview(prompts.get) == "hello there"


def test_session_without_times(tmp_path: Path) -> None:
    forest = forest_of(
        tmp_path,
        [
            make_log("data_1", created_at=None, session_reference_id="conv-9"),
        ],
    )
    session = only_session(forest)
    assert math.isnan(session.start)
    assert math.isnan(session.end)
    assert session.span is None
    assert session.preview(lambda _log_id: None) == "conv-9"


def test_empty_forest() -> None:
    from hltui.model.sessions import build_forest

    forest = build_forest([])
    assert forest.items == [] and forest.sessions == {} and forest.problems == []


def test_mixed_forest_counts_every_log_once(tmp_path: Path) -> None:
    logs = []
    for s in range(20):
        sid = {"session_id": f"sesh_{s}"} if s % 3 else {"session_reference_id": f"conv-{s}"}
        logs.append(log(f"data_{s}_root", s, reference_id=f"r{s}", **sid))
        for c in range(3):
            logs.append(log(f"data_{s}_{c}", s + c + 1, parent_id=f"data_{s}_root", **sid))
            logs.append(log(f"data_{s}_{c}_x", s, parent_reference_id=f"r{s}", **sid))
        logs.append(log(f"data_{s}_orphan", s, parent_id="data_gone", **sid))
    logs += [log(f"data_free_{i}", i) for i in range(7)]
    logs.append(log("data_cyc_1", 1, session_id="sesh_cyc", parent_id="data_cyc_2"))
    logs.append(log("data_cyc_2", 2, session_id="sesh_cyc", parent_id="data_cyc_1"))
    logs.reverse()  # children before parents
    forest = forest_of(tmp_path, logs)
    assert_each_log_once(forest, len(logs))
    assert len(forest.sessions) == 21
    assert forest.standalone_count == 7
    assert len(forest.problems) == 1
    assert sum(1 for n in forest.nodes.values() if n.orphan) == 20
