"""Keeping the heap small and the garbage collector out of the way of key presses.

A load frees a lot of short-lived memory (decoded cache rows, the forest cache, forests
replaced as the load grew), but glibc's allocator keeps most of it: the process stays
40-50 MB bigger at 500k logs than what it holds. `malloc_trim` returns those free pages.
Elsewhere (other C libraries, other systems) this does nothing.

Once loaded, what the app holds lives as long as it does (`settle_loaded`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, if this process uses glibc."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return the allocator's free pages to the system; False when it cannot be done here."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


# Full collections CPython starts on its own: one per FULL_EVERY collections of the middle
# generation (CPython's default is 10; at 100 the bench still met one of 150-220 ms every
# 9 s of opening transcripts). About a minute of keys without a one-second pause.
FULL_EVERY = 1000


def settle_loaded() -> None:
    """After a load: keep the cyclic GC from walking what was loaded again, and leave
    full collections to the app's idle moments.

    Each full collection walks every object not frozen: Textual's widgets and its cached
    lines (each `Strip` holds several caches). At 500k logs that was 50-220 ms, about once
    a second while transcripts were opened. The app collects in full when idle instead;
    cyclic garbage waits for it (about 10 MB more at the bench's peak).
    """
    gc.freeze()
    threshold = gc.get_threshold()
    gc.set_threshold(threshold[0], threshold[1], FULL_EVERY)
