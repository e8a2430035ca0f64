"""Run generated models in TFLite Micro, LiteRT and onnxruntime (host reference checks)."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Generous arena for running; the model's real need is measured by TFLite Micro itself.
RUN_ARENA_BYTES = 2 << 20
_TOTAL = re.compile(rb"Arena allocation total (\d+) bytes")


def tflm_interpreter(path: Path, arena_bytes: int = RUN_ARENA_BYTES):
    """A TFLite Micro interpreter for ``path`` (the tflite-micro wheel, double rounding)."""
    from tflite_micro.python.tflite_micro import runtime

    return runtime.Interpreter.from_file(str(path), arena_size=arena_bytes)


def run_tflm(path: Path, xs: np.ndarray) -> np.ndarray:
    """Outputs of TFLite Micro for a batch of int8 inputs (each with batch dim 1)."""
    it = tflm_interpreter(path)
    outs = []
    for x in xs:
        it.set_input(x, 0)
        it.invoke()
        outs.append(np.array(it.get_output(0)))
    return np.stack(outs)


def tflm_arena_bytes(path: Path, x: np.ndarray) -> int:
    """Arena bytes TFLite Micro's RecordingMicroAllocator reports after one inference.

    The figure is printed by C++ on stderr, so file descriptor 2 is redirected while it prints.
    It is measured by the host (x86-64) build: pointer-sized bookkeeping is larger than on a
    32-bit MCU, activation memory is the same.
    """
    it = tflm_interpreter(path)
    it.set_input(x, 0)
    it.invoke()
    with tempfile.TemporaryFile() as capture:
        saved = os.dup(2)
        try:
            os.dup2(capture.fileno(), 2)
            it.print_allocations()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        capture.seek(0)
        match = _TOTAL.search(capture.read())
    if match is None:
        raise RuntimeError(f"model '{path}': TFLite Micro printed no arena total")
    return int(match.group(1))


def run_litert(path: Path, xs: np.ndarray, reference: bool = True) -> np.ndarray:
    """Outputs of LiteRT (its reference kernels by default) for a batch of int8 inputs."""
    from ai_edge_litert import interpreter as lite

    kind = lite.OpResolverType.BUILTIN_REF if reference else lite.OpResolverType.AUTO
    it = lite.Interpreter(model_path=str(path), experimental_op_resolver_type=kind)
    it.allocate_tensors()
    inp, out = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]
    outs = []
    for x in xs:
        it.set_tensor(inp, x)
        it.invoke()
        outs.append(it.get_tensor(out).copy())
    return np.stack(outs)


def run_onnx(path: Path, xs: np.ndarray) -> np.ndarray:
    """Outputs of the float twin for a batch of float inputs (each with batch dim 1)."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return np.stack([sess.run(["output"], {"input": x.astype(np.float32)})[0] for x in xs])


@dataclass(frozen=True)
class Agreement:
    """How the int8 model compares with its float twin and with LiteRT."""

    onnx_max_abs_diff: float  # after dequantizing the int8 output
    output_range: float  # max - min of the float twin's outputs, to judge the diff against
    litert_mismatches: int  # int8 outputs that differ from LiteRT's reference resolver
    classes_seen: int  # distinct argmax classes (classifiers) over the inputs
