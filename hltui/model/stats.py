"""Summary figures over an index: what `hltui stats` prints."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hltui.model.index import LogIndex
from hltui.model.sessions import Forest


@dataclass
class Stats:
    """Counts over every log in an index."""

    logs: int = 0
    sessions: int = 0
    standalone: int = 0
    files: int = 0
    problems: int = 0
    notices: int = 0
    errors: int = 0
    feedback: int = 0
    first: float = math.nan
    last: float = math.nan
    projects: Counter[str] = field(default_factory=Counter)
    models: Counter[str] = field(default_factory=Counter)
    feedback_values: Counter[tuple[str, str]] = field(default_factory=Counter)
    durations: list[float] = field(default_factory=list)

    def percentile(self, fraction: float) -> float | None:
        """The nearest-rank percentile of durations, in seconds."""
        if not self.durations:
            return None
        ordered = sorted(self.durations)
        rank = max(1, math.ceil(fraction * len(ordered)))
        return ordered[rank - 1]

    def to_json(self) -> dict[str, object]:
        feedback_by_type: dict[str, dict[str, int]] = {}
        for (kind, value), count in sorted(self.feedback_values.items()):
            feedback_by_type.setdefault(kind, {})[value] = count
        return {
            "logs": self.logs,
            "sessions": self.sessions,
            "standalone": self.standalone,
            "files": self.files,
            "problems": self.problems,
            "notices": self.notices,
            "errors": self.errors,
            "feedback": self.feedback,
            "feedback_by_type": feedback_by_type,
            "projects": dict(self.projects.most_common()),
            "models": dict(self.models.most_common()),
            "first": iso(self.first),
            "last": iso(self.last),
            "latency_p50": self.percentile(0.5),
            "latency_p95": self.percentile(0.95),
        }


def iso(moment: float) -> str | None:
    if math.isnan(moment):
        return None
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


def feedback_label(value: object) -> str:
    """A feedback value as a short label (long texts such as comments are summarised)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # `4` and `4.0` are the same rating
    elif isinstance(value, bool):
        value = str(value).lower()
    text = str(value)
    return text if len(text) <= 24 else "(text)"


def compute_stats(
    index: LogIndex,
    forest: Forest,
    feedback_of: Callable[[str], Iterable[tuple[str, object]]] | None = None,
) -> Stats:
    """Figures for `hltui stats`.

    `feedback_of` gives a log's merged feedback pairs (`FeedbackStore.pairs`: journal edits
    included); without it the feedback inside the log files is counted.
    """
    stats = Stats(
        logs=len(index),
        sessions=len(forest.sessions),
        standalone=forest.standalone_count,
        files=len(index.files),
    )
    problems = index.problems + forest.problems
    stats.problems = sum(1 for p in problems if p.is_error)
    stats.notices = len(problems) - stats.problems
    times = []
    for log in index.logs.values():
        if log.project:
            stats.projects[log.project] += 1
        if log.config_type in (None, "model") and log.model:
            stats.models[log.model] += 1
        if log.error is not None:
            stats.errors += 1
        pairs = log.feedback if feedback_of is None else tuple(feedback_of(log.id))
        if pairs:
            stats.feedback += len(pairs)
            for kind, value in pairs:
                label = feedback_label(value) if kind not in ("comment", "correction") else "(text)"
                stats.feedback_values[(kind, label)] += 1
        if log.duration is not None:
            stats.durations.append(log.duration)
        if not math.isnan(log.time):
            times.append(log.time)
    if times:
        stats.first, stats.last = min(times), max(times)
    return stats
