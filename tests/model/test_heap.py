"""Giving freed memory back: done with glibc, skipped quietly elsewhere."""

from __future__ import annotations

import ctypes
import gc
import platform
from collections.abc import Iterator

import pytest

from hltui.model import heap


@pytest.fixture(autouse=True)
def fresh_lookup() -> Iterator[None]:
    heap._malloc_trim.cache_clear()
    yield
    heap._malloc_trim.cache_clear()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_free_pages_go_back_with_glibc() -> None:
    garbage = [bytes(200) for _ in range(100_000)]
    del garbage
    assert heap.release_free_memory() is True


def test_without_malloc_trim_nothing_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_libc(*args: object, **kwargs: object) -> None:
        raise OSError("no such library")

    monkeypatch.setattr(ctypes, "CDLL", no_libc)
    assert heap.release_free_memory() is False


def test_other_systems_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap.sys, "platform", "darwin")
    assert heap.release_free_memory() is False


def test_after_a_load_the_loaded_objects_are_frozen_and_full_collections_rarer() -> None:
    before = gc.get_threshold()
    loaded = [[n] for n in range(1000)]  # tracked by the GC
    try:
        heap.settle_loaded()
        assert gc.get_threshold() == (before[0], before[1], heap.FULL_EVERY)
        assert gc.get_freeze_count() >= len(loaded)
        assert not any(item is loaded for item in gc.get_objects())  # not walked again
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
