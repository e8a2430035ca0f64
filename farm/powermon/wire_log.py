"""The ``farm.powermon.wire`` logger: every exchange with a monitor, raw bytes included.

Off by default (DEBUG). The HIL plugin routes it into the per-test console log while a test
holds the monitor, so the first night on real hardware can be read back byte for byte: each
command sent, each read of its reply (``repr`` of the bytes), the head of every acquisition
stream, its text tail and a summary (samples, timestamps, end condition).
"""

from __future__ import annotations

import logging

wire_log = logging.getLogger("farm.powermon.wire")

STREAM_HEAD_BYTES = 64
"""How much of an acquisition stream is logged raw (the stream itself is the trace)."""
