"""The rows of a session forest under filters and expansion (hltui.model.outline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hltui.model.outline import Outline
from hltui.model.sessions import Forest, TreeOrder
from tests.conftest import forest_of, make_log


def log(log_id: str, second: int, **fields: Any) -> dict[str, Any]:
    return make_log(log_id, created_at=f"2024-03-01T12:00:{second:02d}Z", **fields)


def sample_forest(tmp_path: Path) -> Forest:
    """Newest first: session b (b1 with child b2), standalone s1, session a (a1, a2)."""
    return forest_of(
        tmp_path,
        [
            log("a1", 1, session_id="a"),
            log("a2", 2, session_id="a"),
            log("s1", 3),
            log("b1", 4, session_id="b"),
            log("b2", 5, session_id="b", parent_id="b1"),
        ],
    )


def keys(outline: Outline) -> list[str]:
    return [f"{'  ' * row.depth}{row.key}" for row in outline.rows]


def test_tops_showing_finds_the_sessions_and_standalone_logs_of_visible_logs(
    tmp_path: Path,
) -> None:
    forest = sample_forest(tmp_path)
    assert [item.key for item in forest.items] == ["id:b", "s1", "id:a"]
    assert forest.tops_showing(["a2", "b2", "nope"]) == [0, 2]
    assert forest.tops_showing(["s1", "a1", "a2"]) == [1, 2]
    assert forest.tops_showing([]) == []


def test_a_filter_keeps_only_items_with_a_visible_log_and_what_was_expanded(
    tmp_path: Path,
) -> None:
    forest = sample_forest(tmp_path)
    outline = Outline()
    outline.rebuild(forest)
    assert keys(outline) == ["s:id:b", "s1", "s:id:a"]
    outline.expand(0)
    outline.expand(1)  # b1, under session b
    assert keys(outline) == ["s:id:b", "  b1", "    b2", "s1", "s:id:a"]

    outline.rebuild(forest, {"b2", "a1"})
    assert keys(outline) == ["s:id:b", "  b1", "    b2", "s:id:a"]
    outline.rebuild(forest, {"s1"})
    assert keys(outline) == ["s1"]
    outline.rebuild(forest, {"b1"})  # b2 does not match: it is left out under b1
    assert keys(outline) == ["s:id:b", "  b1"]
    outline.rebuild(forest)  # cleared: everything, still expanded
    assert keys(outline) == ["s:id:b", "  b1", "    b2", "s1", "s:id:a"]


def test_the_row_near_a_hidden_items_place_is_the_next_one_shown(tmp_path: Path) -> None:
    """Where the cursor goes when a filter hides its item: the first top item shown at or
    after its place in the tree, else the last one shown."""
    forest = sample_forest(tmp_path)
    outline = Outline()
    outline.rebuild(forest)
    outline.expand(0)
    assert keys(outline) == ["s:id:b", "  b1", "s1", "s:id:a"]
    assert [outline.top_place_at(i) for i in range(4)] == [0, 0, 1, 2]
    outline.rebuild(forest, {"b1", "a1"})  # s1 hidden
    assert keys(outline) == ["s:id:b", "  b1", "s:id:a"]
    assert outline.index_near_place(1) == 2  # session a, after s1's place
    assert outline.index_near_place(0) == 0
    outline.rebuild(forest, {"b1"})
    assert outline.index_near_place(2) == 0  # nothing after: the last one shown
    outline.rebuild(forest, set())
    assert outline.index_near_place(1) is None and outline.top_place_at(0) is None


def test_places_worked_out_elsewhere_give_the_same_rows(tmp_path: Path) -> None:
    forest = sample_forest(tmp_path)
    visible = {"a1", "s1"}
    worked_out, given = Outline(), Outline()
    worked_out.rebuild(forest, visible)
    given.rebuild(forest, visible, places=forest.tops_showing(visible))
    assert keys(given) == keys(worked_out) == ["s1", "s:id:a"]


def test_rows_are_kept_apart_from_the_outline_they_came_from(tmp_path: Path) -> None:
    """Expanding after a rebuild must not change the rows the next rebuild starts from."""
    forest = sample_forest(tmp_path)
    outline = Outline()
    outline.rebuild(forest)
    outline.expand(0)
    outline.expanded.clear()
    outline.rebuild(forest)
    assert keys(outline) == ["s:id:b", "s1", "s:id:a"]


def test_index_of_finds_sessions_and_logs_by_key(tmp_path: Path) -> None:
    forest = sample_forest(tmp_path)
    outline = Outline()
    outline.rebuild(forest)
    assert outline.index_of("s:id:a") == 2
    assert outline.index_of("s1") == 1
    assert outline.index_of("b2") is None  # not a row while b is collapsed
    assert outline.index_of("s:nope") is None
    outline.expand(0)
    outline.expand(1)
    assert outline.index_of("b2") == 2


def nested_forest(tmp_path: Path) -> Forest:
    """Newest first: session b (b1), standalone s1, session a (a1 with children a2 and
    a4, then a3)."""
    return forest_of(
        tmp_path,
        [
            log("a1", 1, session_id="a"),
            log("a2", 2, session_id="a", parent_id="a1"),
            log("a3", 3, session_id="a"),
            log("a4", 4, session_id="a", parent_id="a1"),
            log("s1", 5),
            log("b1", 6, session_id="b"),
        ],
    )


FULL_ORDER = ["b1", "s1", "a1", "a2", "a4", "a3"]


def test_in_tree_order_is_the_fully_expanded_tree_order(tmp_path: Path) -> None:
    forest = nested_forest(tmp_path)
    assert [node.key for item in forest.items for node in _walk(item)] == FULL_ORDER
    assert forest.in_tree_order(["a3", "s1", "a4", "nope", "b1", "a1"]) == [
        "b1",
        "s1",
        "a1",
        "a4",
        "a3",
    ]
    assert forest.in_tree_order(["a2"]) == ["a2"]
    assert forest.in_tree_order([]) == []
    assert forest.in_tree_order(["a3", "a2", "a4", "a1"]) == ["a1", "a2", "a4", "a3"]  # all of a


def test_tree_order_of_logs_given_in_batches(tmp_path: Path) -> None:
    forest = nested_forest(tmp_path)
    order = TreeOrder(forest)
    for batch in (["a3", "nope"], [], ["s1", "a1"], ["b1", "a4"]):
        order.add(batch)
    assert order.ordered() == ["b1", "s1", "a1", "a4", "a3"]
    session = next(item for item in forest.items if item.key == "id:a")
    assert session.tree_ids() == [node.key for node in session.nodes()]


def _walk(item: Any) -> Any:
    return item.nodes() if hasattr(item, "roots") else item.walk()


@pytest.mark.parametrize("mapped", [False, True], ids=["found by identity", "top places"])
def test_tree_order_around_a_log_wraps_around_both_ways(tmp_path: Path, mapped: bool) -> None:
    forest = nested_forest(tmp_path)
    if mapped:
        forest.top_places()
    assert list(forest.tree_order_around(None)) == FULL_ORDER
    assert list(forest.tree_order_around(None, -1)) == FULL_ORDER[::-1]
    assert list(forest.tree_order_around("a1")) == ["a2", "a4", "a3", "b1", "s1", "a1"]
    assert list(forest.tree_order_around("a2", -1)) == ["a1", "s1", "b1", "a3", "a4", "a2"]
    assert list(forest.tree_order_around("b1")) == [*FULL_ORDER[1:], "b1"]
    assert list(forest.tree_order_around("nope")) == FULL_ORDER
    assert (forest._places is not None) == mapped  # one log is found without the maps
