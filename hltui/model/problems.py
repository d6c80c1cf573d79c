"""Problems: bad input found while reading, reported with file, place and a plain reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

# JSON nested past what the decoders follow (msgspec stops at about 1,000 levels)
TOO_DEEP = "JSON nested too deeply to read (arrays or objects about 1,000 levels deep)"


class Severity(StrEnum):
    """How bad a problem is: errors make `hltui validate` fail, notices do not."""

    ERROR = "error"
    NOTICE = "notice"


@dataclass(frozen=True, slots=True)
class Problem:
    """One piece of bad input.

    `line` is the 1-based line for JSONL files, the 1-based record number for JSON files
    (`unit` says which), or None when the whole file is affected.
    """

    file: Path
    line: int | None
    message: str
    severity: Severity = Severity.ERROR
    unit: str = "line"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def place(self, root: Path | None = None) -> str:
        """`file:line` (or `file record N`), with the file relative to `root` when possible."""
        name = relative_name(self.file, root)
        if self.line is None:
            return name
        if self.unit == "record":
            return f"{name} record {self.line}"
        return f"{name}:{self.line}"

    def describe(self, root: Path | None = None) -> str:
        return f"{self.place(root)}: {self.message}"

    def to_json(self, root: Path | None = None) -> dict[str, object]:
        return {
            "file": relative_name(self.file, root),
            "line": self.line,
            "message": self.message,
            "severity": self.severity.value,
        }


def relative_name(path: Path, root: Path | None) -> str:
    """`path` relative to `root` (a directory) when inside it, else as given."""
    if root is not None:
        base = root if root.is_dir() else root.parent
        try:
            return str(path.relative_to(base))
        except ValueError:
            pass
    return str(path)
