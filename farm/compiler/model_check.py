"""`farm model check`: compile, run the C kernels on the host, compare with TFLite Micro and LiteRT."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from farm.compiler.blob_format import BlobFlag
from farm.compiler.host_runtime import HostModel
from farm.compiler.model_compiler import CompiledModel, compile_model
from farm.compiler.reference import (
    LiteRtReference,
    TflmReference,
    dequantize_output,
    quantize_input,
)
from farm.errors import ModelFormatError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    """Outcome of a host check; `bit_exact` is decided against TFLite Micro only.

    `litert_mismatches` counts outputs that differ from LiteRT's reference kernels (-1 when
    LiteRT was not run or could not load the model).
    """

    model: str
    ops: int
    macs: int
    arena_bytes: int
    blob_bytes: int
    const_bytes: int
    tflm_arena_bytes: int
    tflm_activation_bytes: int
    scratch_bytes: int
    bit_exact: bool
    max_abs_diff: float
    mismatches: int
    litert_mismatches: int
    outputs: int
    inputs: int
    kernel_path: str

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def random_inputs(model: CompiledModel, count: int, seed: int = 0) -> list[np.ndarray]:
    """`count` int8 inputs spanning the full range (fixed seed)."""
    rng = np.random.default_rng(seed)
    shape = model.input.shape
    return [
        rng.integers(-128, 128, size=shape, dtype=np.int64).astype(np.int8) for _ in range(count)
    ]


def _feed(model: CompiledModel, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(what the .tflite takes, what the blob takes) for one int8 test vector."""
    if BlobFlag.FLOAT_INPUT not in model.flags:
        return q, q
    x = dequantize_output(q, model.input.scale, model.input.zero_point)
    return x, quantize_input(x, model.input.scale, model.input.zero_point)


def _view(model: CompiledModel, y: np.ndarray) -> np.ndarray:
    if BlobFlag.FLOAT_OUTPUT in model.flags:
        return dequantize_output(y, model.output.scale, model.output.zero_point)
    return y


def check_model(path: str | Path, inputs: int = 20, *, flavour: str = "plain", litert: bool = True,
                seed: int = 0) -> CheckResult:  # fmt: skip
    """Compile `path`, run `inputs` random vectors through the host runtime and the references."""
    model = compile_model(path)
    host = HostModel(model.blob, flavour)
    try:
        tflm = TflmReference(path)
    except Exception as exc:  # the wheel raises RuntimeError/ValueError with TFLM's log text
        raise ModelFormatError(
            f"model '{Path(path).name}': TFLite Micro cannot load it ({exc}); the reference must run the model to check it",
            path=path,
            field="reference",
        ) from exc
    lrt = None
    if litert:
        try:
            lrt = LiteRtReference(path)
        except Exception as exc:  # a second figure only: report it as unavailable (-1)
            log.warning("LiteRT cannot load %s: %s", path, exc)
    max_diff, mismatches, lrt_mismatches, outputs = 0.0, 0, 0, 0
    for q in random_inputs(model, inputs, seed):
        feed_ref, feed_blob = _feed(model, q)
        ours = _view(model, host.run(feed_blob)).reshape(-1)
        ref = tflm.run(feed_ref).reshape(-1)
        diff = np.abs(ours.astype(np.float64) - ref.astype(np.float64))
        max_diff = max(max_diff, float(diff.max(initial=0.0)))
        mismatches += int(np.count_nonzero(ours != ref))
        outputs += ours.size
        if lrt is not None:
            lrt_mismatches += int(np.count_nonzero(ours != lrt.run(feed_ref).reshape(-1)))
    if lrt is None:
        lrt_mismatches = -1
    total, head = tflm.arena_bytes()
    return CheckResult(
        model=Path(path).name,
        ops=len(model.ops),
        macs=model.macs,
        arena_bytes=model.arena_bytes,
        blob_bytes=model.blob_bytes,
        const_bytes=model.const_bytes,
        tflm_arena_bytes=total,
        tflm_activation_bytes=head,
        scratch_bytes=model.scratch_bytes,
        bit_exact=mismatches == 0,
        max_abs_diff=max_diff,
        mismatches=mismatches,
        litert_mismatches=lrt_mismatches,
        outputs=outputs,
        inputs=inputs,
        kernel_path=host.kernel_path,
    )
