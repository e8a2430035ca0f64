"""Host references: TFLite Micro (the truth for MCU outputs) and LiteRT's reference kernels.

Both run the original .tflite file. Models whose .tflite input/output is float32 (a QUANTIZE
in front, a DEQUANTIZE behind) are fed and read in float, exactly as a user of TFLite would;
`quantize_input` / `dequantize_output` reproduce TFLite's float<->int8 conversions so the
int8 blob can be compared bit for bit.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

_TOTAL_RE = re.compile(r"Arena allocation total (\d+) bytes")
_HEAD_RE = re.compile(r"Arena allocation head (\d+) bytes")


def quantize_input(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """TFLite AffineQuantize: round(x / scale) + zp in float32, half away from zero, clamped."""
    q = np.float32(x) / np.float32(scale)
    r = np.sign(q) * np.floor(np.abs(q).astype(np.float64) + 0.5)
    return np.clip(r + zero_point, -128, 127).astype(np.int8)


def dequantize_output(q: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """TFLite Dequantize: (q - zp) * scale computed in double, stored as float32."""
    return (float(scale) * (q.astype(np.float64) - zero_point)).astype(np.float32)


class TflmReference:
    """TFLite Micro's interpreter from the `tflite-micro` wheel (double rounding)."""

    def __init__(self, path: str | Path, arena_size: int | None = None) -> None:
        from tflite_micro.python.tflite_micro import runtime

        size = arena_size or max(Path(path).stat().st_size * 4, 1 << 20)
        self.interpreter: Any = runtime.Interpreter.from_file(str(path), arena_size=size)

    def run(self, x: np.ndarray) -> np.ndarray:
        self.interpreter.set_input(x, 0)
        self.interpreter.invoke()
        return np.asarray(self.interpreter.get_output(0))

    def arena_bytes(self) -> tuple[int, int]:
        """(total, head) arena bytes TFLite Micro used; head is the activation planner's part.

        The wheel has no GetArenaUsedBytes binding; its RecordingMicroAllocator prints the
        figures to the C stderr, which is captured here.
        """
        text = _capture_fd2(self.interpreter.print_allocations)
        total, head = _TOTAL_RE.search(text), _HEAD_RE.search(text)
        return (int(total.group(1)) if total else 0, int(head.group(1)) if head else 0)


class LiteRtReference:
    """LiteRT with the reference op resolver (BUILTIN_REF: no XNNPACK, no optimized kernels)."""

    def __init__(self, path: str | Path) -> None:
        from ai_edge_litert import interpreter as litert

        self.interpreter: Any = litert.Interpreter(
            model_path=str(path),
            experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF,
        )
        self.interpreter.allocate_tensors()
        self._in = self.interpreter.get_input_details()[0]
        self._out = self.interpreter.get_output_details()[0]

    def run(self, x: np.ndarray) -> np.ndarray:
        self.interpreter.set_tensor(
            self._in["index"], x.reshape(self._in["shape"]).astype(self._in["dtype"])
        )
        self.interpreter.invoke()
        return np.asarray(self.interpreter.get_tensor(self._out["index"]))


def _capture_fd2(fn: Any) -> str:
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        saved = os.dup(2)
        try:
            os.dup2(tmp.fileno(), 2)
            fn()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        return tmp.read().decode(errors="replace")
