"""Binary (``bin_hexa``) items and metadata frames, decoded with numpy (specs/powermon.md).

A sample is a big-endian 16-bit item ``[p:4][mantissa:12]`` worth ``mantissa * 16**-p`` amps,
p in 0..14. An item whose first byte is 0xF0 starts a metadata frame ``F0 <type> ... FF FF``
whose length is fixed per type (F1/F2 are text up to ``\\r\\n FF FF``). F5 is 4 bytes on the
LPM01A and 8 on the STLINK-V3PWR, so the frame table is per device.
"""

from __future__ import annotations

import numpy as np

FRAME_START = 0xF0
TEXT_FRAMES = frozenset({0xF1, 0xF2})
TEXT_FRAME_END = b"\r\n\xff\xff"

LPM01A_FRAME_LENGTHS: dict[int, int] = {
    0xF3: 9, 0xF4: 4, 0xF5: 4, 0xF6: 4, 0xF7: 6, 0xF8: 6, 0xF9: 5,
}  # fmt: skip
STLINK_V3PWR_FRAME_LENGTHS: dict[int, int] = {
    **LPM01A_FRAME_LENGTHS, 0xF5: 8, 0xFA: 4, 0xFB: 4,
}  # fmt: skip


def _build_lut() -> np.ndarray:
    items = np.arange(65536, dtype=np.int64)
    power = items >> 12
    mantissa = items & 0x0FFF
    values = mantissa * 16.0 ** (-power.astype(np.float64))
    values[power == 15] = np.nan  # first nibble F: a frame, never a sample
    return values


#: Value in amps of every possible 16-bit item: decoding is one gather.
SAMPLE_LUT: np.ndarray = _build_lut()


def decode_items(data: bytes | bytearray | memoryview | np.ndarray) -> np.ndarray:
    """Decode a whole buffer of sample items (even length, no frames) into float64 amps."""
    items = np.frombuffer(data, dtype=">u2") if not isinstance(data, np.ndarray) else data
    return SAMPLE_LUT[items]


def encode_samples(values: np.ndarray) -> bytes:
    """Encode amps as items, choosing the largest exponent that keeps the mantissa in 12 bits."""
    values = np.clip(np.asarray(values, dtype=np.float64), 0.0, 4095.0)
    safe = np.where(values > 0, values, 1.0)
    power = np.floor(np.log(4095.5 / safe) / np.log(16.0)).astype(np.int64)
    power = np.clip(power, 0, 14)
    mantissa = np.rint(values * 16.0**power).astype(np.int64)
    over = mantissa > 4095  # rounding can spill over 12 bits: one exponent step down
    power = np.where(over, power - 1, power)
    mantissa = np.where(over, np.rint(values * 16.0**power).astype(np.int64), mantissa)
    items = ((power << 12) | mantissa).astype(">u2")
    return items.tobytes()


def timestamp_frame(elapsed_ms: int, buffer_load_pct: int) -> bytes:
    """F3 frame: elapsed ms (bits 0-30, bit 31 = wrapped) and buffer load."""
    wrapped = elapsed_ms >= 1 << 31
    value = (elapsed_ms & 0x7FFFFFFF) | (0x80000000 if wrapped else 0)
    return bytes([0xF0, 0xF3]) + value.to_bytes(4, "big") + bytes([buffer_load_pct, 0xFF, 0xFF])


def text_frame(frame_type: int, text: str) -> bytes:
    """F1 (error) or F2 (information) frame carrying ASCII text."""
    return bytes([0xF0, frame_type]) + text.encode("ascii") + TEXT_FRAME_END


def fixed_frame(frame_type: int, payload: bytes, lengths: dict[int, int]) -> bytes:
    """Any fixed-length frame; ``payload`` must fill it exactly."""
    frame = bytes([0xF0, frame_type]) + payload + b"\xff\xff"
    if len(frame) != lengths[frame_type]:
        raise ValueError(f"frame F{frame_type & 0xF:X} must be {lengths[frame_type]} bytes")
    return frame
