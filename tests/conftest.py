"""Shared helpers: write log files of every shape into `tmp_path`, build logs, load them."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from hltui.model.index import LogIndex
from hltui.model.sessions import Forest, build_forest

BOM = b"\xef\xbb\xbf"

Line = dict[str, Any] | list[Any] | str | bytes


def make_log(log_id: str, **fields: Any) -> dict[str, Any]:
    """A small valid LogResponse; `fields` add to or replace its keys (None means null)."""
    log: dict[str, Any] = {
        "id": log_id,
        "config": {"id": "config_1", "type": "model", "model": "gpt-4", "provider": "openai"},
        "project": "support",
        "created_at": "2024-03-01T12:00:00Z",
        "output": f"output of {log_id}",
    }
    log.update(fields)
    return log


def encode_line(item: Line) -> bytes:
    """One JSONL line's bytes (without its line end): objects are dumped, text kept as is."""
    if isinstance(item, bytes):
        return item
    if isinstance(item, str):
        return item.encode()
    return json.dumps(item, ensure_ascii=False).encode()


def jsonl_bytes(
    records_or_lines: Iterable[Line],
    *,
    newline: bytes = b"\n",
    bom: bool = False,
    final_newline: bool = True,
) -> bytes:
    lines = [encode_line(item) for item in records_or_lines]
    data = newline.join(lines)
    if final_newline and lines:
        data += newline
    return (BOM if bom else b"") + data


def write_jsonl(
    path: Path,
    records_or_lines: Iterable[Line],
    *,
    newline: bytes = b"\n",
    bom: bool = False,
    final_newline: bool = True,
) -> Path:
    """Write a JSONL file (gzip-compressed when the name ends in `.gz`); returns `path`."""
    data = jsonl_bytes(records_or_lines, newline=newline, bom=bom, final_newline=final_newline)
    return write_bytes(path, data)


def write_json(path: Path, document: Any, *, bom: bool = False, indent: int | None = 2) -> Path:
    """Write a JSON document (gzip-compressed when the name ends in `.gz`); returns `path`."""
    data = json.dumps(document, indent=indent, ensure_ascii=False).encode() + b"\n"
    return write_bytes(path, (BOM if bom else b"") + data)


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def append_bytes(path: Path, data: bytes) -> None:
    with open(path, "ab") as handle:
        handle.write(data)


def load_index(root: Path) -> LogIndex:
    return LogIndex(root).load()


def forest_from(index: LogIndex) -> Forest:
    return build_forest(index.logs.values(), {i: s.path for i, s in enumerate(index.files)})


def forest_of(tmp_path: Path, logs: Iterable[Line], name: str = "logs.jsonl") -> Forest:
    """Write `logs` to one JSONL file and build the session forest of it."""
    write_jsonl(tmp_path / name, logs)
    return forest_from(load_index(tmp_path / name))


def messages_of(problems: Iterable[Any]) -> list[str]:
    return [p.message for p in problems]


@pytest.fixture
def unreadable(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Make a file unreadable (chmod 000); skips when permissions do not stop reading (root)."""
    made: list[Path] = []

    def make(path: Path) -> Path:
        path.chmod(0)
        made.append(path)
        if os.access(path, os.R_OK):
            pytest.skip("chmod 000 does not stop this user reading files (running as root?)")
        return path

    yield make
    for path in made:
        path.chmod(0o644)
