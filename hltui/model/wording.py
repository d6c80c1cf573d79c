"""Counts in words, as people write them: `1 log`, `2 logs`, `12,345 logs`."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and the noun, singular for one (`plural` where `s` does not do)."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
