"""The plugin's counts file read back, and the misses of a data cache from stack distances."""

from __future__ import annotations

import pytest

from farm.devices.flash_reads import FlashReads, FlashReadsFormatError


def test_misses_are_the_reads_at_or_beyond_the_cache_depth() -> None:
    reads = FlashReads.parse("reads 10\nfar 2\ndistance 0 3\ndistance 3 4\ndistance 40 1\n", 64)
    assert reads.misses(8) == 10 - 3  # one word: only distance 0 hits
    assert reads.misses(32) == 2 + 1  # four words: distances 0 and 3 hit
    assert reads.misses(512) == 2  # 64 words: everything but the first reads
    assert FlashReads.from_json(reads.to_json()) == reads


def test_a_cache_deeper_than_the_trace_tracked_is_refused() -> None:
    reads = FlashReads(reads=1, far=1, depth=16)
    with pytest.raises(ValueError, match="needs distances up to 32 words; the trace tracked 16"):
        reads.misses(256)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("reads 1\nfar 1\nmisses 1\n", "line 3: 'misses 1'"),
        ("reads x\nfar 1\n", "line 1: 'reads x'"),
        ("reads 5\nfar 1\ndistance 0 3\n", "reads 5 is not far 1 plus the 3 reads by distance"),
        ("far 0\n", "reads None is not far 0"),
    ],
)
def test_counts_that_are_not_the_plugin_s_are_refused(text: str, message: str) -> None:
    with pytest.raises(FlashReadsFormatError, match=message):
        FlashReads.parse(text, 64)
