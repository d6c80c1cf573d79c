"""`hltui export`, `hltui feedback` and journal feedback in `hltui stats`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import orjson
import pytest
from rich.cells import cell_len

from hltui.model.feedback import FeedbackStore, default_journal_path
from tests.conftest import load_index, make_log, write_jsonl
from tests.test_cli import assert_one_line_error, run, run_process


@pytest.fixture
def logs_dir(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    write_jsonl(
        root / "support.jsonl",
        [
            make_log("data_1", feedback={"type": "rating", "value": "good"}),
            make_log(
                "data_2",
                feedback=[
                    {"type": "rating", "value": "bad", "id": "ann_a", "user": "x@y"},
                    {"type": "comment", "value": 'wrong, see\nthe docs, "twice"'},
                ],
                error="timeout",
            ),
            make_log("data_3", created_at="2024-03-09T08:00:00Z", unknown_key=[1, {"a": None}]),
        ],
    )
    write_jsonl(root / "billing.jsonl", [make_log("data_4", project="billing")])
    return root


def edit(root: Path, journal: Path | None = None) -> FeedbackStore:
    """The edits a reviewer made in the TUI: one add, one change, one delete."""
    store = FeedbackStore.open(load_index(root), journal)
    store.add("data_3", "rating", "good", "r@example.com")
    store.change("data_2", "ann_a", "good", "r@example.com")
    store.delete("data_1", "log:data_1:0", "r@example.com")
    return store


def read_jsonl(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


# --- export --------------------------------------------------------------------------------


def test_export_writes_the_merged_feedback(logs_dir: Path, tmp_path: Path) -> None:
    edit(logs_dir)
    out = tmp_path / "out.jsonl"
    result = run("export", str(logs_dir), "-o", str(out))
    assert result.exit_code == 0
    assert result.stdout == f"wrote 4 logs to {out}\n"
    records = {r["id"]: r for r in read_jsonl(out)}
    assert records["data_1"]["feedback"] == []  # its only item was deleted
    assert [(f["type"], f["value"]) for f in records["data_2"]["feedback"]] == [
        ("rating", "good"),
        ("comment", 'wrong, see\nthe docs, "twice"'),
    ]
    assert "id" not in records["data_2"]["feedback"][1]  # no synthetic ids in the output
    assert records["data_3"]["feedback"][0]["user"] == "r@example.com"
    assert records["data_3"]["unknown_key"] == [1, {"a": None}]
    assert records["data_4"] == make_log("data_4", project="billing")


def test_export_with_only_feedback_and_filters(logs_dir: Path, tmp_path: Path) -> None:
    edit(logs_dir)
    out = tmp_path / "out.jsonl"

    def ids(*args: str) -> list[str]:
        result = run("export", str(logs_dir), "-o", str(out), *args)
        assert result.exit_code == 0, result.output
        return sorted(r["id"] for r in read_jsonl(out))

    assert ids("--only-with-feedback") == ["data_2", "data_3"]
    assert ids("--project", "billing") == ["data_4"]
    assert ids("--errors") == ["data_2"]
    assert ids("--no-errors", "--only-with-feedback") == ["data_3"]
    assert ids("--feedback-value", "good") == ["data_2", "data_3"]
    assert ids("--since", "2024-03-05") == ["data_3"]
    assert ids("--until", "2024-03-01") == ["data_1", "data_2", "data_4"]
    assert ids("--text", "output of data_4") == ["data_4"]


def test_export_reads_another_feedback_file(logs_dir: Path, tmp_path: Path) -> None:
    journal = tmp_path / "review.jsonl"
    edit(logs_dir, journal)
    out = tmp_path / "out.jsonl"
    run("export", str(logs_dir), "-o", str(out))
    assert sorted(r["id"] for r in read_jsonl(out) if r.get("feedback")) == ["data_1", "data_2"]
    run("export", str(logs_dir), "-o", str(out), "--feedback-file", str(journal))
    assert sorted(r["id"] for r in read_jsonl(out) if r.get("feedback")) == ["data_2", "data_3"]


def test_export_errors_are_one_line(logs_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("")
    result = run_process("export", str(logs_dir), "-o", str(blocker / "out.jsonl"))
    assert result.returncode == 2
    assert_one_line_error(result.stderr)
    assert "cannot write" in result.stderr and "not a directory" in result.stderr

    result = run_process("export", str(tmp_path / "missing"), "-o", str(tmp_path / "o.jsonl"))
    assert result.returncode == 2
    assert_one_line_error(result.stderr)
    assert "no such file or directory" in result.stderr

    result = run_process("export", str(logs_dir), "-o", str(tmp_path / "o.jsonl"), "--since", "x")
    assert result.returncode == 2
    assert_one_line_error(result.stderr)
    assert "--since" in result.stderr

    result = run_process("export", str(logs_dir), "-o", str(logs_dir / "support.jsonl"))
    assert_one_line_error(result.stderr)
    assert "one of the log files" in result.stderr


def test_export_warns_about_a_damaged_journal_but_goes_on(logs_dir: Path, tmp_path: Path) -> None:
    edit(logs_dir)
    with open(default_journal_path(logs_dir), "ab") as handle:
        handle.write(b'{"type": "rating", "val')
    result = run_process("export", str(logs_dir), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 0
    assert result.stdout.startswith("wrote 4 logs")
    assert "warning" in result.stderr and "torn last line" in result.stderr
    assert "feedback.jsonl:4" in result.stderr


@pytest.mark.parametrize("command", ["export", "feedback"])
def test_a_journal_that_cannot_be_read_fails_export_and_feedback(
    logs_dir: Path, tmp_path: Path, command: str
) -> None:
    """`export` wrote its logs without the journal's edits, exit 0, a warning aside: the
    merged feedback it exists for was quietly wrong. (`stats` still warns and goes on.)"""
    journal = tmp_path / "journal.jsonl"
    journal.symlink_to("/dev/null")  # cannot be read as a journal, for root too
    args = ["-o", str(tmp_path / "out.jsonl")] if command == "export" else []
    result = run_process(command, str(logs_dir), *args, "--feedback-file", str(journal))
    assert result.returncode == 2, result.stdout
    assert "the feedback journal is not a regular file" in result.stderr
    assert "would miss its edits" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()
    stats = run_process("stats", str(logs_dir), "--feedback-file", str(journal))
    assert stats.returncode == 0 and "warning" in stats.stderr


def test_export_to_standard_output(logs_dir: Path, tmp_path: Path) -> None:
    """`-o -` wrote a file named `-`."""
    result = run_process("export", str(logs_dir), "-o", "-", cwd=tmp_path)
    assert result.returncode == 0
    assert not (tmp_path / "-").exists()
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 4 and all("id" in record for record in records)
    assert result.stderr.strip() == "wrote 4 logs to standard output"


# --- feedback ------------------------------------------------------------------------------


def test_feedback_csv_lists_every_item(logs_dir: Path) -> None:
    store = edit(logs_dir)
    added = store.items("data_3")[0][0]
    result = run("feedback", str(logs_dir), "--csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["data_id", "type", "value", "user", "created_at", "id", "source"]
    got = [(r["data_id"], r["type"], r["value"], r["user"], r["id"], r["source"]) for r in rows]
    assert got == [
        ("data_2", "rating", "good", "r@example.com", "ann_a", "journal"),
        ("data_2", "comment", 'wrong, see\nthe docs, "twice"', "", "log:data_2:1", "log"),
        ("data_3", "rating", "good", "r@example.com", added.id, "journal"),
    ]
    assert rows[2]["created_at"] == added.created_at


def test_feedback_table_is_aligned(logs_dir: Path) -> None:
    edit(logs_dir)
    result = run("feedback", str(logs_dir))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["data_id", "type", "value", "user", "created_at", "id", "source"]
    assert len(lines) == 4
    value_at = lines[0].index("value")
    assert all(line[value_at - 2 : value_at] == "  " for line in lines)
    assert "wrong, see the docs" in lines[2]  # one line per item
    assert [line.split()[-1] for line in lines[1:]] == ["journal", "log", "journal"]


def test_feedback_table_lines_up_wide_characters(tmp_path: Path) -> None:
    """Columns line up in terminal cells: a CJK or emoji value (two cells a character)
    pushed the columns after it out of line."""
    logs = [
        make_log("data_1", feedback={"type": "comment", "value": "日本語のコメント😀"}),
        make_log("data_2", feedback={"type": "comment", "value": "plain"}),
    ]
    write_jsonl(tmp_path / "logs.jsonl", logs)
    result = run("feedback", str(tmp_path))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    starts = {cell_len(line[: line.index(" log")]) for line in lines[1:]}
    assert len(starts) == 1  # the last column starts in the same cell on every line


def test_feedback_with_none_and_with_a_feedback_file(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "logs.jsonl", [make_log("data_9")])
    result = run("feedback", str(tmp_path / "logs.jsonl"))
    assert result.stdout == f"no feedback in {tmp_path / 'logs.jsonl'}\n"
    result = run("feedback", str(tmp_path), "--csv")
    assert result.stdout == "data_id,type,value,user,created_at,id,source\n"
    journal = tmp_path / "j.jsonl"
    FeedbackStore.open(load_index(tmp_path), journal).add("data_9", "rating", 3, "me")
    result = run("feedback", str(tmp_path), "--csv", "--feedback-file", str(journal))
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["value"], r["source"]) for r in rows] == [("3", "journal")]


# --- stats ---------------------------------------------------------------------------------


def test_stats_counts_journal_feedback(logs_dir: Path) -> None:
    before = json.loads(run("stats", str(logs_dir), "--json").stdout)
    assert before["feedback"] == 3
    assert before["feedback_by_type"]["rating"] == {"bad": 1, "good": 1}
    edit(logs_dir)
    after = json.loads(run("stats", str(logs_dir), "--json").stdout)
    # data_1's rating deleted, data_2's changed (counted once), data_3's added
    assert after["feedback"] == 3
    assert after["feedback_by_type"] == {"comment": {"(text)": 1}, "rating": {"good": 2}}
    text = run("stats", str(logs_dir)).stdout
    assert "feedback   3" in text and "good 2" in text


def test_stats_reads_another_feedback_file(logs_dir: Path, tmp_path: Path) -> None:
    journal = tmp_path / "review.jsonl"
    store = FeedbackStore.open(load_index(logs_dir), journal)
    store.add("data_4", "issue", "off-topic", "r@example.com")
    plain = json.loads(run("stats", str(logs_dir), "--json").stdout)
    result = run("stats", str(logs_dir), "--json", "--feedback-file", str(journal))
    figures = json.loads(result.stdout)
    assert figures["feedback"] == plain["feedback"] + 1
    assert figures["feedback_by_type"]["issue"] == {"off-topic": 1}
