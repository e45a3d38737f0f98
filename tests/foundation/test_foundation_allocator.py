"""The C allocator settings of the touchscreen process (kiosk/runtime/allocator.py), on the real
glibc of this machine, each case in a fresh interpreter (mallopt is process-wide)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kiosk.runtime import allocator

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not allocator.tune_for_long_running().applied,
                                reason="the C library here is not glibc: nothing to tune")

PROBE = textwrap.dedent("""
    import json, sys
    from kiosk.runtime import allocator

    def rss_kb():
        return int(open("/proc/self/statm").read().split()[1]) * 4

    if sys.argv[1] == "tuned":
        assert allocator.tune_for_long_running().applied
    # A freed 8 MiB frame: glibc's dynamic threshold now rises past 4 MiB (mallopt(3)).
    frame = bytearray(8 << 20)
    del frame
    before = allocator.heap_usage().mapped
    frame = bytearray(4 << 20)
    mapped = allocator.heap_usage().mapped - before >= 4 << 20
    del frame
    # Fragmented small blocks: 60 MB freed with a survivor every 64 blocks, so that only
    # malloc_trim can hand the pages back.
    blocks = [bytes(1000) + bytes([i % 256]) for i in range(60_000)]
    keep = blocks[::64]
    del blocks
    held = rss_kb()
    released = allocator.release_free_memory()
    print(json.dumps({"mapped": mapped, "released": released, "freed_kb": held - rss_kb(),
                      "kept": len(keep)}))
""")


def _probe(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True,
                         cwd=REPO, timeout=60, check=True)
    return json.loads(out.stdout)


def test_tuned_large_buffers_are_mapped_and_returned_untuned_they_stay_in_the_heap():
    """After the app's tuning a 4 MiB buffer is its own mapping (given back on free) even
    after a larger one was freed; glibc's default lets it land in the heap instead, which
    is the fragmentation the soak measured."""
    assert _probe("tuned")["mapped"] is True
    assert _probe("untuned")["mapped"] is False


def test_release_gives_fragmented_free_pages_back():
    figures = _probe("tuned")
    assert figures["released"] is True
    assert figures["freed_kb"] > 20_000, figures


def test_heap_usage_counts_a_block_while_it_lives():
    before = allocator.heap_usage()
    # 64 MiB: above the largest mmap threshold glibc ever picks by itself (32 MiB on 64-bit,
    # mallopt(3)), so a mapping of its own whatever ran in this process before.
    block = bytearray(64 << 20)
    during = allocator.heap_usage()
    del block
    after = allocator.heap_usage()
    assert during.in_use - before.in_use >= 64 << 20
    assert during.mapped - before.mapped >= 64 << 20
    assert during.in_use - after.in_use >= 64 << 20
