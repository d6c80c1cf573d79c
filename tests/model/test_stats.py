"""Figures for `hltui stats` (hltui.model.stats)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hltui.model.stats import Stats, compute_stats, feedback_label, iso
from tests.conftest import forest_from, load_index, make_log, write_bytes, write_json, write_jsonl

MODEL = {"id": "config_m", "type": "model", "model": "gpt-4"}


def stats_of(root: Path) -> Stats:
    index = load_index(root)
    return compute_stats(index, forest_from(index))


@pytest.fixture
def logs_dir(tmp_path: Path) -> Path:
    first = make_log(
        "data_1",
        session_id="sesh_a",
        duration=1.0,
        created_at="2024-03-01T10:00:00Z",
        feedback={"type": "rating", "value": "good"},
    )
    write_jsonl(
        tmp_path / "support.jsonl",
        [
            first,
            make_log(
                "data_2",
                session_id="sesh_a",
                duration=2,
                created_at="2024-03-01T10:00:05Z",
                config={**MODEL, "model": "gpt-4o"},
                feedback=[
                    {"type": "rating", "value": "bad"},
                    {"type": "comment", "value": "the answer ignores the question"},
                    {"type": "action", "value": "copied"},
                ],
            ),
            make_log(
                "data_3",
                session_id="sesh_b",
                duration=3,
                error="timeout",
                output=None,
                created_at="2024-03-02T09:00:00+05:30",
            ),
            "this line is broken",
        ],
    )
    write_json(
        tmp_path / "agents.json",
        [
            make_log(
                "data_4",
                project="agents",
                duration=4,
                config={"id": "config_t", "type": "tool", "name": "search"},
                feedback=[{"type": "score", "value": 4}, {"type": "score", "value": 4.0}],
            ),
            make_log(
                "data_5",
                project="agents",
                duration=10,
                config={
                    "id": "config_a",
                    "type": "agent",
                    "name": "planner",
                    "agent_class": "ReAct",
                },
            ),
            make_log(
                "data_6",
                project=None,
                duration=None,
                created_at=None,
                config={"id": "config_g", "type": "generic", "name": "pipeline"},
            ),
        ],
    )
    write_jsonl(tmp_path / "copy.jsonl", [first])  # the same log exported twice: a notice
    return tmp_path


def test_counts(logs_dir: Path) -> None:
    stats = stats_of(logs_dir)
    assert stats.logs == 6
    assert stats.sessions == 2
    assert stats.standalone == 3
    assert stats.files == 3
    assert stats.problems == 1
    assert stats.notices == 1
    assert stats.errors == 1


def test_projects_and_models(logs_dir: Path) -> None:
    stats = stats_of(logs_dir)
    assert dict(stats.projects) == {"support": 3, "agents": 2}
    # Only model-config logs count, by their `model`; tool/agent/generic names do not.
    assert dict(stats.models) == {"gpt-4": 2, "gpt-4o": 1}


def test_feedback_by_type_and_value(logs_dir: Path) -> None:
    stats = stats_of(logs_dir)
    assert stats.feedback == 6
    assert dict(stats.feedback_values) == {
        ("rating", "good"): 1,
        ("rating", "bad"): 1,
        ("comment", "(text)"): 1,
        ("action", "copied"): 1,
        ("score", "4"): 2,  # 4 and 4.0 are the same value
    }
    assert stats.to_json()["feedback_by_type"] == {
        "action": {"copied": 1},
        "comment": {"(text)": 1},
        "rating": {"bad": 1, "good": 1},
        "score": {"4": 2},
    }


def test_latency_percentiles_and_span(logs_dir: Path) -> None:
    stats = stats_of(logs_dir)
    assert sorted(stats.durations) == [1.0, 2.0, 3.0, 4.0, 10.0]
    assert stats.percentile(0.5) == 3.0
    assert stats.percentile(0.95) == 10.0
    assert iso(stats.first) == "2024-03-01T10:00:00Z"
    assert iso(stats.last) == "2024-03-02T03:30:00Z"  # +05:30 is earlier than it reads


def test_to_json_keys(logs_dir: Path) -> None:
    data = stats_of(logs_dir).to_json()
    for key in (
        "logs",
        "sessions",
        "files",
        "problems",
        "errors",
        "feedback",
        "projects",
        "models",
    ):
        assert key in data
    assert data["latency_p50"] == 3.0
    assert data["latency_p95"] == 10.0
    assert data["projects"] == {"support": 3, "agents": 2}


@pytest.mark.parametrize(
    ("durations", "p50", "p95"),
    [
        ([], None, None),
        ([7.0], 7.0, 7.0),
        ([1.0, 2.0], 1.0, 2.0),
        ([4.0, 1.0, 3.0, 2.0], 2.0, 4.0),
        ([float(i) for i in range(1, 101)], 50.0, 95.0),
        ([float(i) for i in range(1, 21)], 10.0, 19.0),
    ],
)
def test_percentiles_nearest_rank(
    durations: list[float], p50: float | None, p95: float | None
) -> None:
    stats = Stats(durations=durations)
    assert stats.percentile(0.5) == p50
    assert stats.percentile(0.95) == p95


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("good", "good"),
        (4, "4"),
        (4.0, "4"),
        (4.5, "4.5"),
        (True, "true"),
        ("x" * 24, "x" * 24),
        ("x" * 25, "(text)"),
    ],
)
def test_feedback_label(value: object, label: str) -> None:
    assert feedback_label(value) == label


def test_empty_and_bad_only(tmp_path: Path) -> None:
    write_bytes(tmp_path / "bad.jsonl", b"nope\n{\n")
    stats = stats_of(tmp_path)
    assert (stats.logs, stats.sessions, stats.files, stats.problems) == (0, 0, 1, 2)
    data = stats.to_json()
    assert data["first"] is None and data["latency_p50"] is None
    assert data["projects"] == {} and data["models"] == {}


def test_forest_problems_count(tmp_path: Path) -> None:
    write_jsonl(
        tmp_path / "a.jsonl",
        [
            make_log("data_1", session_id="s", parent_id="data_2"),
            make_log("data_2", session_id="s", parent_id="data_1"),
        ],
    )
    assert stats_of(tmp_path).problems == 1
