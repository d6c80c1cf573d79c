"""The forest preview: the tree's top rows of the last forest, trusted only for the same files."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import msgspec
import pytest

import hltui.model.forest_preview as forest_preview
from hltui.model.forest_preview import (
    ForestPreview,
    feedback_label,
    model_label,
    preview_path,
    read_preview,
    save_preview,
)
from hltui.model.index import LogIndex
from hltui.model.sessions import Forest, LogNode, Session
from tests.conftest import append_bytes, forest_from, jsonl_bytes, make_log, write_json, write_jsonl


def at(second: int) -> str:
    return f"2024-03-01T12:00:{second:02d}Z"


def log(log_id: str, second: int, **fields: Any) -> dict[str, Any]:
    return make_log(log_id, created_at=at(second), **fields)


def asked(log_id: str, second: int, prompt: str, **fields: Any) -> dict[str, Any]:
    return log(log_id, second, messages=[{"role": "user", "content": prompt}], **fields)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Sessions (one of two projects, one by reference with no prompt), standalone logs
    (failed, rated, nested, of a config with no model), a JSON file among JSONL."""
    logs = tmp_path / "logs"
    write_jsonl(
        logs / "a.jsonl",
        [
            log("a1", 1, session_id="s1", output=None),  # no text: the next log's prompt
            asked("a2", 5, "[bold]second[/bold] question", session_id="s1", parent_id="a1"),
            log("a3", 2, session_id="s1", project="billing", error="boom"),
            log("lone", 9, error="délai dépassé ✗ [bold]", duration=1.5),
            log("rated", 7, feedback=[{"type": "rating", "value": "good"}, {"type": "label"}]),
            log("parent", 3),
            log("child", 4, parent_id="parent"),
            log("tool", 6, config={"type": "tool", "name": "search"}, output=None),
        ],
    )
    write_json(
        logs / "deep" / "b.json",
        {
            "records": [
                log("b1", 8, session_reference_id="ref-1", output=None),
                asked("b2", 10, "from the JSON file", session_id="s2"),
            ]
        },
    )
    return logs


def saved(root: Path) -> tuple[LogIndex, Forest]:
    index = LogIndex(root).load()
    forest = forest_from(index)
    assert save_preview(index, forest)
    return index, forest


def expected_row(index: LogIndex, item: Session | LogNode) -> dict[str, Any]:
    """What the tree's row of `item` shows, worked out from the forest as the tree does."""
    if isinstance(item, Session):
        projects = item.projects
        return {
            "is_session": True,
            "time": item.start,
            "count": len(item.logs),
            "errors": item.error_count,
            "feedback": item.feedback_count,
            "label": "+".join(projects) if projects else None,
            "has_children": True,
            "text": item.preview(lambda log_id: index.preview(log_id).prompt),
        }
    summary = item.log
    preview = index.preview(summary.id)
    pairs = summary.feedback or ()
    return {
        "is_session": False,
        "time": summary.time,
        "count": 1,
        "errors": int(summary.error is not None),
        "feedback": len(pairs),
        "label": model_label(summary.model, summary.config_type),
        "has_children": bool(item.children),
        "duration": summary.duration,
        "orphan": item.orphan,
        "feedback_label": feedback_label(pairs) if pairs else None,
        "text": summary.error if summary.error is not None else preview.output or preview.prompt,
    }


def shown_row(preview: ForestPreview, place: int) -> dict[str, Any]:
    top = preview.top(place)
    row: dict[str, Any] = {
        "is_session": top.is_session,
        "time": top.time,
        "count": top.count,
        "errors": top.errors,
        "feedback": top.feedback,
        "label": top.label,
        "has_children": top.has_children,
    }
    if top.is_session:
        row["text"] = preview.session_preview(place)
    else:
        row |= {
            "duration": top.duration,
            "orphan": top.orphan,
            "feedback_label": top.feedback_label,
            "text": preview.log_preview(place),
        }
    return row


def test_preview_shows_each_top_item_as_the_forest_does(root: Path) -> None:
    index, forest = saved(root)
    preview = read_preview(root, LogIndex(root).discover())
    assert preview is not None
    assert len(preview) == len(forest.items)
    assert preview.session_count == len(forest.sessions)
    assert preview.log_count == len(index.logs)
    for place, item in enumerate(forest.items):
        assert shown_row(preview, place) == expected_row(index, item), place
    texts = {shown_row(preview, place)["text"] for place in range(len(preview))}
    # a session's text from its second log, one's reference id, one from a JSON file
    assert {"[bold]second[/bold] question", "ref-1", "from the JSON file"} <= texts
    assert {"délai dépassé ✗ [bold]", "output of rated"} <= texts


def test_unknown_time_and_no_duration_survive(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [make_log("untimed", created_at=None)])
    saved(tmp_path)
    preview = read_preview(tmp_path, LogIndex(tmp_path).discover())
    assert preview is not None
    top = preview.top(0)
    assert math.isnan(top.time) and top.duration is None and top.label == "gpt-4"


def test_a_record_that_cannot_be_read_again_has_no_text(root: Path) -> None:
    saved(root)
    preview = read_preview(root, LogIndex(root).discover())
    assert preview is not None
    (root / "a.jsonl").unlink()  # after the preview was read: rows lose their texts only
    place = next(n for n in range(len(preview)) if preview.top(n).error == "délai dépassé ✗ [bold]")
    assert preview.log_preview(place) == "délai dépassé ✗ [bold]"  # kept in the preview
    sessions = [n for n in range(len(preview)) if preview.top(n).is_session]
    assert [preview.session_preview(n) for n in sessions] == [
        "from the JSON file",
        "ref-1",
        None,  # s1: its prompts were in the file deleted, and it has no reference id
    ]


@pytest.mark.parametrize(
    "change",
    ["append", "touch", "delete", "add", "replace"],
)
def test_a_changed_file_makes_it_untrusted(root: Path, change: str) -> None:
    saved(root)
    target = root / "a.jsonl"
    if change == "append":
        append_bytes(target, jsonl_bytes([log("new", 30)]))
    elif change == "touch":
        stat = target.stat()
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    elif change == "delete":
        target.unlink()
    elif change == "add":
        write_jsonl(root / "c.jsonl", [log("c1", 30)])
    else:  # the same size, another file
        data = target.read_bytes()
        target.unlink()
        target.write_bytes(data)
    assert read_preview(root, LogIndex(root).discover()) is None


def test_a_damaged_or_foreign_preview_is_not_trusted(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved(root)
    paths = LogIndex(root).discover()
    path = preview_path(root)
    good = path.read_bytes()
    for at in range(0, len(good), max(1, len(good) // 40)):  # a byte changed anywhere
        damaged = bytearray(good)
        damaged[at] ^= 0x55
        path.write_bytes(bytes(damaged))
        assert read_preview(root, paths) is None, at
    path.write_bytes(good[: len(good) // 2])  # cut short
    assert read_preview(root, paths) is None
    path.write_bytes(b"")
    assert read_preview(root, paths) is None
    path.write_bytes(good)
    assert read_preview(root, paths) is not None
    monkeypatch.setattr(forest_preview, "PREVIEW_VERSION", forest_preview.PREVIEW_VERSION + 1)
    assert read_preview(root, paths) is None  # another version's


def test_columns_that_do_not_fit_together_are_refused(root: Path) -> None:
    index, forest = saved(root)
    columns = forest_preview.columns_of(index, forest)
    assert columns is not None
    columns.counts = columns.counts[:-4]  # a top item short, with a digest to match
    columns.digest = forest_preview.digest_of(columns)
    preview_path(root).write_bytes(msgspec.msgpack.encode(columns))
    assert read_preview(root, LogIndex(root).discover()) is None


def test_a_file_outside_the_root_has_no_preview(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "logs.jsonl", [log("a", 1)])
    index = LogIndex(tmp_path / "logs.jsonl").load()
    index.files[0].path = tmp_path.parent / "elsewhere.jsonl"
    assert not save_preview(index, forest_from(index))


def test_no_preview_written_when_the_cache_dir_cannot_be(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "logs.jsonl", [log("a", 1)])
    (tmp_path / ".hltui").write_text("a file where the cache dir would be")
    index = LogIndex(tmp_path).load()
    assert not save_preview(index, forest_from(index))
