"""The feedback journal and merged feedback (hltui.model.feedback), on real files."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from hltui.model.feedback import (
    ChangedSince,
    Edit,
    ExportError,
    FeedbackJournal,
    FeedbackStore,
    JournalError,
    check_entry,
    default_journal_path,
    export_logs,
    known_labels,
    load_feedback_types,
    parse_value,
    resolve_user,
    sentiment,
)
from hltui.model.index import LogIndex
from hltui.model.query import LogFilter, apply_filter, filter_with_places
from hltui.model.records import parse_timestamp
from hltui.model.sessions import Forest
from hltui.model.stats import compute_stats
from tests.conftest import forest_from, load_index, make_log, write_json, write_jsonl

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def logs_dir(tmp_path: Path) -> Path:
    """Logs with feedback as one object, a list (with and without ids), none; and a .json."""
    root = tmp_path / "logs"
    write_jsonl(
        root / "a.jsonl",
        [
            make_log(
                "data_1",
                feedback={"type": "rating", "value": "good"},
                zz_unknown={"kept": [1, 2.5, None]},
            ),
            make_log(
                "data_2",
                project="billing",
                feedback=[
                    {"type": "rating", "value": "bad", "id": "ann_a", "user": "x@y"},
                    {"type": "comment", "value": "too long\nby far"},
                ],
            ),
            make_log("data_3", output="caf\u00e9 \U0001f600"),
            make_log(
                "data_4",
                feedback=[{"type": "action", "value": "copied", "id": "ann_b", "custom": True}],
                created_at="2024-03-05T00:00:00Z",
            ),
        ],
    )
    write_json(
        root / "b.json",
        [make_log("data_5", feedback={"type": "rating", "value": 4}), make_log("data_6")],
    )
    return root


def store_of(root: Path, journal: Path | None = None) -> FeedbackStore:
    """A fresh index and store, read from disk."""
    return FeedbackStore.open(load_index(root), journal)


def snapshot(store: FeedbackStore) -> dict[str, list[tuple[dict[str, Any], str]]]:
    """Every log's merged items as (Feedback dict, source), for comparing two stores."""
    return {
        log_id: [(item.to_dict(), source) for item, source in store.items(log_id)]
        for log_id in store.index.logs
    }


def journal_lines(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def entry(feedback_id: str, log_id: str = "data_3", edit: str = "add", **fields: Any) -> dict:
    base = {
        "type": "rating",
        "value": "good",
        "data_id": log_id,
        "user": "t@example.com",
        "created_at": "2024-03-01T12:00:00Z",
        "id": feedback_id,
        "edit": edit,
    }
    base.update(fields)
    return base


# --- paths and line format ---------------------------------------------------------------


def test_default_journal_path_for_a_directory_and_a_file(logs_dir: Path) -> None:
    assert default_journal_path(logs_dir) == logs_dir / ".hltui" / "feedback.jsonl"
    assert default_journal_path(logs_dir / "a.jsonl") == logs_dir / ".hltui" / "feedback.jsonl"


def test_journal_lines_are_feedback_records_with_an_edit_kind(logs_dir: Path) -> None:
    store = store_of(logs_dir)
    added = store.add("data_3", "rating", "good", "r@example.com")
    store.change("data_3", added.id, 5, "s@example.com")
    store.delete("data_3", added.id, "s@example.com")
    path = logs_dir / ".hltui" / "feedback.jsonl"
    raw = path.read_bytes()
    assert raw.endswith(b"\n") and raw.count(b"\n") == 3
    add, change, delete = journal_lines(path)
    assert list(add) == ["type", "value", "data_id", "user", "created_at", "id", "edit"]
    assert add["edit"] == "add" and add["id"].startswith("ann_") and len(add["id"]) > 12
    assert (add["type"], add["value"], add["data_id"]) == ("rating", "good", "data_3")
    assert change["edit"] == "change" and change["value"] == 5 and change["id"] == add["id"]
    assert change["user"] == "s@example.com"
    assert list(delete) == ["id", "data_id", "edit", "user", "created_at"]
    for line in (add, change, delete):
        assert line["created_at"].endswith("Z")
        moment = parse_timestamp(line["created_at"])
        assert moment is not None and moment.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_check_entry_fills_in_and_refuses() -> None:
    plain = {"type": "rating", "value": 1, "data_id": "d", "id": "ann_1"}
    assert check_entry(plain)[0] == {**plain, "edit": "add"}  # a plain Feedback is an add
    known = {"ann_1": {**plain, "edit": "add"}}
    whole, _ = check_entry({"id": "ann_1", "edit": "delete"}, known)
    assert whole is not None and whole["data_id"] == "d"
    assert "no `id`" in check_entry({"type": "rating", "value": 1, "data_id": "d"})[1]
    assert "no `data_id`" in check_entry({"id": "ann_2", "edit": "delete"})[1]
    assert "edit kind" in check_entry({**plain, "edit": "rename"})[1]
    assert "`value`" in check_entry({**plain, "value": None})[1]
    assert "not a JSON object" in check_entry([1])[1]


# --- round trips ---------------------------------------------------------------------------


def test_add_change_delete_round_trip_through_the_journal(logs_dir: Path) -> None:
    store = store_of(logs_dir)
    first = store.add("data_3", "rating", "good", "r@example.com")
    second = store.add("data_3", "comment", "needs a citation\nsecond line", "r@example.com")
    store.add("data_6", "issue", "hallucination", "r@example.com")
    changed = store.change("data_3", first.id, "bad", "s@example.com")  # type: ignore[arg-type]
    store.delete("data_6", store.items("data_6")[0][0].id, "s@example.com")  # type: ignore[arg-type]

    assert changed.value == "bad" and changed.user == "s@example.com" and changed.id == first.id
    items = store.items("data_3")
    assert [(i.type, i.value, i.id, s) for i, s in items] == [
        ("rating", "bad", first.id, "journal"),
        ("comment", "needs a citation\nsecond line", second.id, "journal"),
    ]
    assert store.items("data_6") == []
    assert store.pairs("data_3") == (("rating", "bad"), ("comment", second.value))
    assert store.logs_with_journal_entries() == {"data_3", "data_6"}

    fresh = store_of(logs_dir)
    assert fresh.journal is not None and fresh.journal.problems == []
    assert snapshot(fresh) == snapshot(store)
    assert fresh.pairs("data_3") == store.pairs("data_3")


def test_logs_without_journal_entries_use_the_summary_pairs(logs_dir: Path) -> None:
    store = store_of(logs_dir)
    summary = store.index.logs["data_2"]
    assert store.pairs("data_2") is summary.feedback  # no decoding, no copy
    assert store.pairs("data_3") == ()
    assert store.pairs("no_such_log") == ()


def test_merge_with_feedback_inside_logs_object_and_list(logs_dir: Path) -> None:
    store = store_of(logs_dir)
    one = store.items("data_1")
    assert [(i.type, i.value, i.id, s) for i, s in one] == [
        ("rating", "good", "log:data_1:0", "log")
    ]
    many = store.items("data_2")
    assert [(i.type, i.value, i.id, i.user, s) for i, s in many] == [
        ("rating", "bad", "ann_a", "x@y", "log"),
        ("comment", "too long\nby far", "log:data_2:1", None, "log"),
    ]
    assert store.items("data_5")[0][0].value == 4  # from the .json file
    added = store.add("data_2", "rating", "good", "r@example.com")
    sources = [(i.id, s) for i, s in store.items("data_2")]
    assert sources == [("ann_a", "log"), ("log:data_2:1", "log"), (added.id, "journal")]


def test_a_journal_entry_supersedes_the_log_item_with_its_id(logs_dir: Path) -> None:
    store = store_of(logs_dir)
    store.change("data_2", "ann_a", "good", "r@example.com")
    items = store.items("data_2")
    assert [(i.id, i.value, s) for i, s in items] == [
        ("ann_a", "good", "journal"),
        ("log:data_2:1", "too long\nby far", "log"),
    ]
    assert items[0][0].data_id == "data_2" and items[0][0].user == "r@example.com"
    store.change("data_4", "ann_b", "shared", "r@example.com")
    assert store.merged("data_4")[0][0]["custom"] is True  # unknown keys carried over
    store.delete("data_2", "ann_a", "r@example.com")
    assert [i.id for i, _ in store.items("data_2")] == ["log:data_2:1"]
    assert store.pairs("data_2") == (("comment", "too long\nby far"),)
    fresh = store_of(logs_dir)
    assert snapshot(fresh) == snapshot(store)


def test_synthetic_ids_let_id_less_log_items_be_changed_and_deleted(logs_dir: Path) -> None:
    store = store_of(logs_dir)
    store.change("data_1", "log:data_1:0", "bad", "r@example.com")
    store.delete("data_2", "log:data_2:1", "r@example.com")
    assert [(i.value, s) for i, s in store.items("data_1")] == [("bad", "journal")]
    assert [i.id for i, _ in store.items("data_2")] == ["ann_a"]
    fresh = store_of(logs_dir)
    assert snapshot(fresh) == snapshot(store)
    with pytest.raises(KeyError):
        store.change("data_1", "log:data_1:7", "bad", "r@example.com")
    with pytest.raises(ValueError):
        store.add("data_1", "rating", None, "r@example.com")  # type: ignore[arg-type]


def test_filters_see_journal_feedback(logs_dir: Path) -> None:
    store = store_of(logs_dir)
    index = store.index
    store.add("data_3", "rating", "excellent", "r@example.com")
    store.delete("data_1", "log:data_1:0", "r@example.com")
    wanted = LogFilter(feedback_value="excellent")
    assert apply_filter(index, wanted, feedback=store) == {"data_3"}
    assert apply_filter(index, wanted) == set()  # without the store: the files only
    with_feedback = apply_filter(index, LogFilter(has_feedback=True), feedback=store)
    assert with_feedback == {"data_2", "data_3", "data_4", "data_5"}
    forest = forest_from(index)
    assert forest.map_positions(index)
    for log_filter, expected in (
        (wanted, {"data_3"}),
        (LogFilter(has_feedback=True), with_feedback),
        (LogFilter(has_feedback=False), set(index.logs) - with_feedback),
    ):
        places_by_lookup = forest.tops_showing(expected)
        # by position, with the logs the journal touched checked again by their
        # merged feedback: no lookup per log
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Forest, "tops_showing", lambda *args: pytest.fail("looked up"))
            visible, places = filter_with_places(index, log_filter, forest, feedback=store)
        assert set(visible or ()) == expected and places == places_by_lookup


def test_stats_count_journal_feedback(logs_dir: Path) -> None:
    store = store_of(logs_dir)
    store.delete("data_1", "log:data_1:0", "r@example.com")  # an in-log item deleted
    store.change("data_2", "ann_a", "good", "r@example.com")  # an in-log item changed
    store.add("data_3", "rating", "good", "r@example.com")
    index = store.index
    before = compute_stats(index, forest_from(index))
    after = compute_stats(index, forest_from(index), feedback_of=store.pairs)
    assert before.feedback == 5 and after.feedback == 5  # -1 deleted, +1 added
    assert before.feedback_values[("rating", "good")] == 1
    assert after.feedback_values[("rating", "good")] == 2
    assert after.feedback_values[("rating", "bad")] == 0


# --- undo ----------------------------------------------------------------------------------


def test_undo_last_reverts_edits_in_reverse_order(logs_dir: Path) -> None:
    store = store_of(logs_dir)
    original = snapshot(store)
    added = store.add("data_3", "rating", "good", "r@example.com")
    store.change("data_2", "ann_a", "good", "r@example.com")
    store.delete("data_1", "log:data_1:0", "r@example.com")

    undone = store.undo_last()
    assert isinstance(undone, Edit) and undone.kind == "add" and undone.log_id == "data_1"
    assert undone.undone == "delete"
    assert [(i.value, s) for i, s in store.items("data_1")] == [("good", "log")]
    undone = store.undo_last()
    assert undone is not None and undone.kind == "change"
    assert next((i.id, i.value, s) for i, s in store.items("data_2")) == ("ann_a", "bad", "log")
    undone = store.undo_last()
    assert undone is not None and undone.kind == "delete" and undone.feedback_id == added.id
    assert store.undo_last() is None

    assert snapshot(store) == original
    assert snapshot(store_of(logs_dir)) == original  # the compensations are in the journal
    kinds = [line["edit"] for line in journal_lines(logs_dir / ".hltui" / "feedback.jsonl")]
    assert kinds == ["add", "change", "delete", "add", "change", "delete"]
    out = logs_dir.parent / "out.jsonl"
    export_logs(store.index, store, out)
    assert out.read_bytes() == export_without_journal(logs_dir)  # nothing left to merge


def export_without_journal(root: Path) -> bytes:
    index = load_index(root)
    out = root.parent / "plain.jsonl"
    export_logs(index, FeedbackStore(index, None), out)
    return out.read_bytes()


# --- reading the journal ---------------------------------------------------------------


def test_missing_journal_is_empty(tmp_path: Path) -> None:
    journal = FeedbackJournal(tmp_path / "nowhere" / "feedback.jsonl")
    assert journal.load() == []
    assert journal.refresh() == set()
    assert len(journal) == 0


def test_a_torn_last_line_is_ignored_reported_and_not_glued_onto(tmp_path: Path) -> None:
    path = tmp_path / ".hltui" / "feedback.jsonl"
    path.parent.mkdir()
    good = [orjson.dumps(entry(f"ann_{n}", f"log_{n}")) for n in range(2)]
    torn = orjson.dumps(entry("ann_torn", "log_t"))[:37]
    path.write_bytes(b"\n".join(good) + b"\n" + torn)

    journal = FeedbackJournal(path)
    problems = journal.load()
    assert len(problems) == 1
    assert problems[0].file == path and problems[0].line == 3
    assert "torn last line" in problems[0].message
    assert journal.log_ids() == {"log_0", "log_1"}

    journal.append(entry("ann_new", "log_new"))
    lines = path.read_bytes().split(b"\n")
    assert lines[2] == torn and orjson.loads(lines[3])["id"] == "ann_new" and lines[4] == b""
    assert journal.refresh() <= {"log_new"}
    assert journal.problems == problems  # the torn line is not reported twice

    again = FeedbackJournal(path)
    problems = again.load()
    assert [(p.line, "not valid JSON" in p.message) for p in problems] == [(3, True)]
    assert again.log_ids() == {"log_0", "log_1", "log_new"}


def test_bad_lines_in_the_middle_are_reported_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    lines = [
        orjson.dumps(entry("ann_1", "log_1")),
        b"{not json",
        b"",
        orjson.dumps({"type": "rating", "value": "good", "data_id": "log_2"}),
        orjson.dumps(entry("ann_2", "log_2", edit="rename")),
        orjson.dumps([1, 2]),
        orjson.dumps(entry("ann_3", "log_3")),
    ]
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n")
    journal = FeedbackJournal(path)
    problems = journal.load()
    assert [p.line for p in problems] == [2, 4, 5, 6]
    assert all(p.file == path for p in problems)
    assert journal.log_ids() == {"log_1", "log_3"}


def test_refresh_reads_what_another_journal_appended(tmp_path: Path) -> None:
    path = tmp_path / ".hltui" / "feedback.jsonl"
    mine, theirs = FeedbackJournal(path), FeedbackJournal(path)
    mine.load()
    theirs.load()
    mine.append(entry("ann_1", "log_1"))
    assert mine.refresh() == set()  # its own line is already applied
    assert mine.is_own_write(path)
    assert theirs.refresh() == {"log_1"}

    theirs.append(entry("ann_2", "log_2"))
    assert not mine.is_own_write(path)
    assert mine.refresh() == {"log_2"}
    assert mine.is_own_write()

    line = orjson.dumps(entry("ann_3", "log_3")) + b"\n"
    with open(path, "ab") as handle:  # another writer, mid-line
        handle.write(line[:20])
    assert mine.refresh() == set()
    assert mine.problems == []  # a partial last line waits, unreported
    with open(path, "ab") as handle:
        handle.write(line[20:])
    assert mine.refresh() == {"log_3"}
    assert mine.entry("ann_3") is not None and mine.problems == []


def test_refresh_after_own_append_behind_foreign_lines(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    mine, theirs = FeedbackJournal(path), FeedbackJournal(path)
    mine.load()
    theirs.append(entry("ann_1", "log_1", value="first"))
    mine.append(entry("ann_1", "log_1", value="second", edit="change"))
    assert mine.entry("ann_1")["value"] == "second"  # type: ignore[index]
    assert mine.refresh() == {"log_1"}  # their line, then ours again: file order wins
    assert mine.entry("ann_1")["value"] == "second"  # type: ignore[index]
    assert mine.is_own_write(path)


def test_a_journal_truncated_in_place_is_not_taken_for_an_own_write(tmp_path: Path) -> None:
    """`: > feedback.jsonl` while the app ran: smaller than what was read, it passed for
    the app's own write, was never read again, and the emptied edits stayed on screen."""
    path = tmp_path / "feedback.jsonl"
    journal = FeedbackJournal(path)
    journal.append(entry("ann_1", "log_1"))
    assert journal.is_own_write(path)
    path.write_bytes(b"")
    assert not journal.is_own_write(path)
    assert journal.refresh() == {"log_1"} and journal.log_ids() == set()


@pytest.mark.parametrize("special", ["pipe", "device"])
def test_a_journal_that_is_no_file_is_a_problem_not_a_hang(tmp_path: Path, special: str) -> None:
    """`--feedback-file` a device (/dev/zero) was read forever, to gigabytes; a pipe
    waited for a writer."""
    path = tmp_path / "feedback.jsonl"
    if special == "pipe":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    journal = FeedbackJournal(path)
    problems = journal.load()
    assert [p.message for p in problems] == [
        "the feedback journal is not a regular file (a pipe, socket or device)"
    ]
    journal.refresh()
    assert len(journal.problems) == 1  # reported once
    with pytest.raises(JournalError, match="not a regular file"):
        journal.append(entry("ann_1", "log_1"))


def test_refresh_rereads_a_replaced_or_deleted_journal(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    journal = FeedbackJournal(path)
    journal.append(entry("ann_1", "log_1"))
    replacement = tmp_path / "new.jsonl"
    replacement.write_bytes(orjson.dumps(entry("ann_2", "log_2")) + b"\n")
    os.replace(replacement, path)
    assert journal.refresh() == {"log_1", "log_2"}
    assert journal.log_ids() == {"log_2"}
    path.unlink()
    assert journal.refresh() == {"log_2"}
    assert journal.log_ids() == set()


def test_merged_pairs_are_not_stale_after_the_journal_is_reread(logs_dir: Path) -> None:
    store = store_of(logs_dir)
    store.add("data_3", "rating", "good", "r@example.com")
    assert store.pairs("data_3") == (("rating", "good"),)  # cached
    path = default_journal_path(logs_dir)
    replacement = logs_dir / "other.tmp"
    replacement.write_bytes(orjson.dumps(entry("ann_z", "data_3", value="bad")) + b"\n")
    os.replace(replacement, path)  # one entry again for data_3, with another value
    assert store.refresh() == {"data_3"}
    assert store.pairs("data_3") == (("rating", "bad"),)


WRITER = """
import sys, time
from pathlib import Path
from hltui.model.feedback import FeedbackJournal
path, tag, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
journal = FeedbackJournal(path)
Path(str(go) + "." + tag).touch()  # imported and ready
while not go.exists():
    time.sleep(0.001)
for n in range(1000):
    journal.append({"type": "rating", "value": n, "data_id": "log_" + tag, "user": tag,
                    "created_at": "2024-03-01T12:00:00Z", "id": f"ann_{tag}_{n}"})
"""


def test_two_writer_processes_append_concurrently(tmp_path: Path) -> None:
    path = tmp_path / ".hltui" / "feedback.jsonl"
    go = tmp_path / "go"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), tag, str(go)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
        )
        for tag in ("a", "b")
    ]
    deadline = time.monotonic() + 60
    while not all(Path(f"{go}.{tag}").exists() for tag in ("a", "b")):  # start together
        assert time.monotonic() < deadline and all(w.poll() is None for w in writers)
        time.sleep(0.005)
    go.touch()
    for writer in writers:
        _out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    assert lines[-1] == b"" and len(lines) == 2001
    parsed = [orjson.loads(line) for line in lines[:-1]]  # every line parses
    tags = [item["user"] for item in parsed]
    assert tags.count("a") == tags.count("b") == 1000
    assert any(tags[i] != tags[i + 1] for i in range(len(tags) - 1))  # they interleaved
    journal = FeedbackJournal(path)
    assert journal.load() == []
    assert len(journal) == 2000
    for tag in ("a", "b"):
        values = [journal.entry(f"ann_{tag}_{n}")["value"] for n in range(1000)]  # type: ignore[index]
        assert values == list(range(1000))


# --- an unwritable journal ---------------------------------------------------------------


def test_an_unwritable_journal_keeps_the_edit_pending(logs_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a directory")
    bad_path = blocker / "feedback.jsonl"  # fails for root too: its parent is a file
    index = load_index(logs_dir)
    store = FeedbackStore.open(index, bad_path)
    before = snapshot(store)

    with pytest.raises(JournalError) as caught:
        store.add("data_3", "rating", "good", "r@example.com")
    message = str(caught.value)
    assert message == f"cannot write {bad_path}: not a directory"
    assert "Traceback" not in message and "\n" not in message
    assert [(e.kind, e.log_id, e.entry["value"]) for e in store.pending] == [
        ("add", "data_3", "good")
    ]
    assert snapshot(store) == before  # nothing applied that is not on disk
    assert store.journal is not None and len(store.journal) == 0

    with pytest.raises(JournalError):  # a second edit queues behind the first
        store.change("data_2", "ann_a", "good", "r@example.com")
    assert [e.kind for e in store.pending] == ["add", "change"]
    with pytest.raises(JournalError):
        store.retry_pending()
    assert len(store.pending) == 2

    other = tmp_path / "elsewhere" / "feedback.jsonl"
    written = store.retry_pending(other)
    assert [e.kind for e in written] == ["add", "change"] and store.pending == []
    assert store.journal.path == other
    assert [line["edit"] for line in journal_lines(other)] == ["add", "change"]
    fresh = store_of(logs_dir, other)
    assert [(i.value, s) for i, s in fresh.items("data_3")] == [("good", "journal")]
    assert next((i.value, s) for i, s in fresh.items("data_2")) == ("good", "journal")


def test_retry_after_the_journal_becomes_writable(logs_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "shared"
    blocker.write_text("")
    path = blocker / "feedback.jsonl"
    store = FeedbackStore.open(load_index(logs_dir), path)
    with pytest.raises(JournalError):
        store.add("data_3", "rating", "good", "r@example.com")
    blocker.unlink()
    blocker.mkdir()
    assert len(store.retry_pending()) == 1
    assert store.pending == [] and [i.value for i, _ in store.items("data_3")] == ["good"]


def test_edits_of_items_without_ids_stay_with_them_when_a_log_is_exported_again(
    tmp_path: Path,
) -> None:
    """Items without an id are known by their place (`log:<log id>:<n>`): exported again
    with a new item first, a delete hit the item that took the place, and the deleted one
    came back. An edit now records which item it was made on."""
    bad = {"type": "rating", "value": "bad", "user": "a@x"}
    comment = {"type": "comment", "value": "orig comment", "user": "a@x"}
    tone = {"type": "tone", "value": "curt", "user": "a@x"}
    write_jsonl(tmp_path / "a.jsonl", [make_log("data_r1", feedback=[bad, comment, tone])])
    store = store_of(tmp_path)
    store.delete("data_r1", "log:data_r1:1", "me@x")  # the comment
    store.change("data_r1", "log:data_r1:2", "warm", "me@x")  # the tone
    # exported again: a new item first, every other one a place further on
    newer = {"type": "rating", "value": "good", "user": "b@x"}
    write_jsonl(tmp_path / "a.jsonl", [make_log("data_r1", feedback=[newer, bad, comment, tone])])
    again = store_of(tmp_path)
    shown = [(i.type, i.value, i.user, source) for i, source in again.items("data_r1")]
    assert shown == [
        ("rating", "good", "b@x", "log"),
        ("rating", "bad", "a@x", "log"),
        ("tone", "warm", "me@x", "journal"),
    ]
    ids = [i.id for i, _ in again.items("data_r1")]
    assert len(set(ids)) == 3 and all(i.startswith("log:data_r1:") for i in ids)
    again.delete("data_r1", ids[0], "me@x")  # an item at an edited place: its own id
    assert [i.value for i, _ in store_of(tmp_path).items("data_r1")] == ["bad", "warm"]
    lines = journal_lines(tmp_path / ".hltui" / "feedback.jsonl")
    assert all("item_digest" in line for line in lines)
    exported = tmp_path / "out.jsonl"
    export_logs(again.index, store_of(tmp_path), exported)
    [record] = [orjson.loads(line) for line in exported.read_bytes().splitlines()]
    assert all("item_digest" not in item for item in record["feedback"])


def test_undo_refuses_an_item_another_instance_changed_since(logs_dir: Path) -> None:
    """`u` in one instance deleted the rating another reviewer had changed meanwhile in
    another instance (`terrible` by other@x.com, gone without a word)."""
    mine, theirs = store_of(logs_dir), store_of(logs_dir)
    added = mine.add("data_3", "rating", "good", "me@x.com")
    theirs.refresh()
    theirs.change("data_3", added.id, "terrible", "other@x.com")
    with pytest.raises(ChangedSince, match=r"changed since by other@x\.com; not undone"):
        mine.undo_last()
    assert [(i.value, i.user) for i, _ in store_of(logs_dir).items("data_3")] == [
        ("terrible", "other@x.com")
    ]
    assert mine.undo_last() is None  # that edit is no longer this run's to undo
    own = mine.add("data_3", "rating", "meh", "me@x.com")
    assert mine.undo_last() is not None  # unchanged since: undone as ever
    assert own.id not in {i.id for i, _ in store_of(logs_dir).items("data_3")}


def test_undo_drops_a_pending_edit(logs_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("")
    store = FeedbackStore.open(load_index(logs_dir), blocker / "feedback.jsonl")
    with pytest.raises(JournalError):
        store.add("data_3", "rating", "good", "r@example.com")
    undone = store.undo_last()
    assert undone is not None and undone.kind == "add" and store.pending == []
    assert store.undo_last() is None


def test_a_read_only_directory(logs_dir: Path) -> None:
    hidden = logs_dir / ".hltui"
    hidden.mkdir()
    hidden.chmod(0o555)
    try:
        if os.access(hidden, os.W_OK):
            pytest.skip("chmod 0o555 does not stop this user writing (running as root?)")
        store = store_of(logs_dir)
        with pytest.raises(JournalError, match="permission denied"):
            store.add("data_3", "rating", "good", "r@example.com")
        assert len(store.pending) == 1
    finally:
        hidden.chmod(0o755)


def test_switching_journals_carries_the_earlier_edits(logs_dir: Path, tmp_path: Path) -> None:
    store = store_of(logs_dir)
    store.add("data_3", "rating", "good", "r@example.com")
    store.delete("data_1", "log:data_1:0", "r@example.com")
    before = snapshot(store)
    other = tmp_path / "copy.jsonl"
    assert store.retry_pending(other) == []  # nothing pending: only the switch
    assert snapshot(store) == before
    assert snapshot(store_of(logs_dir, other)) == before


def test_an_edit_by_a_store_without_a_journal_is_pending(logs_dir: Path, tmp_path: Path) -> None:
    store = FeedbackStore(load_index(logs_dir), None)
    with pytest.raises(JournalError, match="no feedback journal"):
        store.add("data_3", "rating", "good", "r@example.com")
    store.retry_pending(tmp_path / "j.jsonl")
    assert [i.value for i, _ in store.items("data_3")] == ["good"]


# --- export ------------------------------------------------------------------------------


def input_records(root: Path) -> dict[str, dict[str, Any]]:
    """Every record as parsed from the files, by id."""
    records = {}
    for path in sorted(root.rglob("*.json*")):
        if ".hltui" in path.parts:
            continue
        if path.suffix == ".json":
            items = orjson.loads(path.read_bytes())
        else:
            items = [orjson.loads(line) for line in path.read_bytes().splitlines() if line]
        records.update({item["id"]: item for item in items})
    return records


def test_export_equals_input_plus_the_edits_key_for_key(logs_dir: Path, tmp_path: Path) -> None:
    store = store_of(logs_dir)
    added = store.add("data_3", "rating", "good", "r@example.com")
    changed = store.change("data_2", "ann_a", "good", "s@example.com")
    store.delete("data_2", "log:data_2:1", "s@example.com")
    store.delete("data_5", "log:data_5:0", "s@example.com")
    extra = store.add("data_5", "comment", "short", "s@example.com")
    store.add("data_6", "rating", "bad", "s@example.com")
    store.delete("data_6", store.items("data_6")[0][0].id, "s@example.com")  # type: ignore[arg-type]

    out = tmp_path / "out.jsonl"
    assert export_logs(store.index, store, out) == 6
    lines = out.read_bytes().split(b"\n")
    assert lines[-1] == b""
    exported = [orjson.loads(line) for line in lines[:-1]]
    assert [r["id"] for r in exported] == list(store.index.logs)  # index order

    expected = input_records(logs_dir)
    expected["data_3"]["feedback"] = [added.to_dict()]
    expected["data_2"]["feedback"] = [changed.to_dict()]
    expected["data_5"]["feedback"] = [extra.to_dict()]
    for record in exported:
        want = expected[record["id"]]
        assert record == want
        assert list(record) == list(want)  # key order too
        if record["id"] == "data_3":
            assert list(record)[-1] == "feedback"  # a new key goes last

    # untouched records: the very bytes of their lines (the .json ones, re-encoded)
    source_lines = (logs_dir / "a.jsonl").read_bytes().split(b"\n")
    by_id = {orjson.loads(line)["id"]: line for line in source_lines if line}
    out_by_id = {orjson.loads(line)["id"]: line for line in lines[:-1]}
    for log_id in ("data_1", "data_4"):
        assert out_by_id[log_id] == by_id[log_id]
    assert out_by_id["data_1"].count(b'"feedback": {') == 1  # a single object stays one
    assert out_by_id["data_6"] == orjson.dumps(input_records(logs_dir)["data_6"])


def test_export_only_with_feedback_and_a_filter(logs_dir: Path, tmp_path: Path) -> None:
    store = store_of(logs_dir)
    store.add("data_3", "rating", "great", "r@example.com")
    store.delete("data_1", "log:data_1:0", "r@example.com")
    out = tmp_path / "out.jsonl"

    def ids() -> list[str]:
        return [orjson.loads(line)["id"] for line in out.read_bytes().splitlines()]

    def in_order(*wanted: str) -> list[str]:
        return [log_id for log_id in store.index.logs if log_id in wanted]

    assert export_logs(store.index, store, out, only_with_feedback=True) == 4
    assert ids() == in_order("data_2", "data_3", "data_4", "data_5")
    count = export_logs(store.index, store, out, log_filter=LogFilter(feedback_value="great"))
    assert count == 1 and ids() == ["data_3"]
    count = export_logs(
        store.index, store, out, only_with_feedback=True, log_filter=LogFilter(project="support")
    )
    assert ids() == in_order("data_3", "data_4", "data_5") and count == 3
    assert export_logs(store.index, store, out, log_filter=LogFilter(text="caf\u00e9")) == 1
    assert ids() == ["data_3"]


def test_export_failures_are_plain_and_leave_nothing_behind(logs_dir: Path, tmp_path: Path) -> None:
    store = store_of(logs_dir)
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(ExportError, match="cannot write"):
        export_logs(store.index, store, target)
    assert list(target.iterdir()) == [] and not list(tmp_path.glob(".out*"))
    with pytest.raises(ExportError, match="no such file or directory"):
        export_logs(store.index, store, tmp_path / "missing" / "out.jsonl")
    with pytest.raises(ExportError, match="one of the log files"):
        export_logs(store.index, store, logs_dir / "a.jsonl")
    assert (logs_dir / "a.jsonl").read_bytes().count(b"\n") == 4


def test_export_replaces_an_existing_file_atomically(logs_dir: Path, tmp_path: Path) -> None:
    store = store_of(logs_dir)
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    out.chmod(0o640)
    assert export_logs(store.index, store, out) == 6
    assert out.stat().st_mode & 0o777 == 0o640
    assert len(out.read_bytes().splitlines()) == 6
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# --- identity and labels -----------------------------------------------------------------


def test_resolve_user_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HLTUI_USER", "env@example.com")
    assert resolve_user("cli@example.com") == "cli@example.com"
    assert resolve_user(None) == "env@example.com"
    monkeypatch.delenv("HLTUI_USER")

    def git(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert kwargs["timeout"] == 2
        return subprocess.CompletedProcess(args, 0, "git@example.com\n", "")

    monkeypatch.setattr(subprocess, "run", git)
    assert resolve_user("") == "git@example.com"

    def no_git(*args: Any, **kwargs: Any) -> None:
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "run", no_git)
    monkeypatch.setattr("getpass.getuser", lambda: "login")
    assert resolve_user(None) == "login"


def test_feedback_types_and_known_labels(logs_dir: Path) -> None:
    types_file = logs_dir / ".hltui" / "feedback-types.json"
    types_file.parent.mkdir()
    types_file.write_text(
        '[{"type": "rating", "values": [{"value": "great", "sentiment": "positive"},'
        ' {"value": "awful", "sentiment": "negative"}]},'
        ' {"type": "tone", "values": ["formal", {"value": "casual"}]},'
        ' {"values": []}, {"type": "issue", "values": [{"value": null}]}]'
    )
    problems: list[Any] = []
    types = load_feedback_types(logs_dir, problems)
    assert types["rating"] == [("great", "positive"), ("awful", "negative")]
    assert types["tone"] == [("formal", None), ("casual", None)]
    assert [(p.line, p.unit) for p in problems] == [(3, "record"), (4, "record")]
    assert sentiment(types, "rating", "awful") == "negative"
    assert sentiment(types, "rating", "bad") == "negative"  # the defaults
    assert sentiment(types, "rating", 3) is None

    store = store_of(logs_dir)
    store.add("data_3", "issue", "off-topic", "r@example.com")
    labels = known_labels(store.index, store, types)
    assert labels["rating"] == ["great", "awful", "good", "bad"]  # the file's, then seen
    assert labels["action"] == ["copied"]
    assert labels["issue"] == ["off-topic"]
    assert labels["tone"] == ["formal", "casual"]
    assert "comment" not in labels
    assert known_labels(LogIndex(logs_dir), None)["rating"] == ["good", "bad"]


def test_a_bad_feedback_types_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / ".hltui").mkdir()
    (tmp_path / ".hltui" / "feedback-types.json").write_text("{oops")
    problems: list[Any] = []
    assert load_feedback_types(tmp_path, problems) == {}
    assert len(problems) == 1 and "not valid JSON" in problems[0].message
    (tmp_path / ".hltui" / "feedback-types.json").write_text('{"type": "rating"}')
    problems.clear()
    assert load_feedback_types(tmp_path / "some.jsonl", problems) == {}
    assert "array" in problems[0].message
    (tmp_path / "elsewhere").mkdir()
    assert load_feedback_types(tmp_path / "elsewhere") == {}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("4", 4),
        (" -2 ", -2),
        ("4.5", 4.5),
        ("1e3", 1000.0),
        ("good", "good"),
        # read by Python as numbers, but not as JSON writes them: labels
        ("007", "007"),
        ("1_000", "1_000"),
        ("+5", "+5"),
        # numbers JSON cannot hold: saved as null, the edit was skipped when read again
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("1e999", "1e999"),
    ],
)
def test_a_typed_value_is_a_number_only_as_json_writes_one(text: str, value: object) -> None:
    parsed = parse_value("rating", text)
    assert parsed == value and type(parsed) is type(value)
    assert parse_value("comment", " 4 ") == " 4 "  # comments keep what was typed


def test_a_value_json_cannot_hold_is_refused(tmp_path: Path) -> None:
    store = FeedbackStore(FeedbackJournal(tmp_path / "journal.jsonl"))
    with pytest.raises(ValueError, match="a number or a string"):
        store.add("data_1", "rating", float("nan"), user="me@x")
