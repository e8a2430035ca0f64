"""Small int8 .tflite models for the compiler tests, written with the flatbuffer object API.

Quantization is chosen so that accumulators land in the int8 range (not all-saturated), and
every test model is deterministic (seeded).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flatbuffers
import numpy as np

from farm.compiler.tflite_reader import schema

S = schema()
_TYPES = {"INT8": S.TensorType.INT8, "INT32": S.TensorType.INT32, "FLOAT32": S.TensorType.FLOAT32}


class ModelBuilder:
    """Accumulates tensors and operators, then packs a TFL3 flatbuffer."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.tensors: list[Any] = []
        self.buffers: list[Any] = [S.BufferT()]
        self.ops: list[Any] = []
        self.codes: list[int] = []

    def tensor(self, shape: list[int], dtype: str = "INT8", scale: Any = None, zp: Any = None,
               data: np.ndarray | None = None, qdim: int = 0) -> int:  # fmt: skip
        t = S.TensorT()
        t.shape = list(shape)
        t.type = _TYPES[dtype]
        t.name = f"t{len(self.tensors)}".encode()
        t.buffer = 0
        if data is not None:
            b = S.BufferT()
            b.data = np.frombuffer(np.ascontiguousarray(data).tobytes(), np.uint8).tolist()
            self.buffers.append(b)
            t.buffer = len(self.buffers) - 1
        if scale is not None:
            q = S.QuantizationParametersT()
            q.scale = [float(s) for s in np.atleast_1d(scale)]
            q.zeroPoint = [int(z) for z in np.atleast_1d(zp if zp is not None else 0)]
            q.quantizedDimension = qdim
            t.quantization = q
        self.tensors.append(t)
        return len(self.tensors) - 1

    def act(self, shape: list[int], scale: float, zp: int) -> int:
        return self.tensor(shape, "INT8", scale, zp)

    def op(
        self,
        name: str,
        inputs: list[int],
        outputs: list[int],
        opt_name: str | None = None,
        **opts: Any,
    ) -> None:
        code = getattr(S.BuiltinOperator, name)
        if code not in self.codes:
            self.codes.append(code)
        o = S.OperatorT()
        o.opcodeIndex = self.codes.index(code)
        o.inputs, o.outputs = list(inputs), list(outputs)
        if opt_name is not None:
            obj = getattr(S, opt_name + "T")()
            for k, v in opts.items():
                setattr(obj, k, v)
            o.builtinOptionsType = getattr(S.BuiltinOptions, opt_name)
            o.builtinOptions = obj
        self.ops.append(o)

    def build(self, inputs: list[int], outputs: list[int]) -> bytes:
        sg = S.SubGraphT()
        sg.tensors, sg.operators, sg.inputs, sg.outputs = self.tensors, self.ops, inputs, outputs
        m = S.ModelT()
        m.version = 3
        m.subgraphs = [sg]
        m.buffers = self.buffers
        codes = []
        for c in self.codes:
            oc = S.OperatorCodeT()
            oc.builtinCode = c
            oc.deprecatedBuiltinCode = min(c, 127)
            oc.version = 1
            codes.append(oc)
        m.operatorCodes = codes
        m.description = b"joulefarm test model"
        b = flatbuffers.Builder(1024)
        b.Finish(m.Pack(b), file_identifier=b"TFL3")
        return bytes(b.Output())

    # --- layers with realistic random quantization -------------------------------------

    def weights(self, shape: list[int], per_channel_dim: int) -> tuple[int, np.ndarray]:
        w = self.rng.integers(-127, 128, size=shape, dtype=np.int64).astype(np.int8)
        n = shape[per_channel_dim]
        scales = self.rng.uniform(0.002, 0.02, size=n).astype(np.float32)
        return self.tensor(
            shape, "INT8", scales, np.zeros(n, np.int64), w, qdim=per_channel_dim
        ), scales

    def bias(self, n: int, in_scale: float, w_scales: np.ndarray) -> int:
        b = self.rng.integers(-3000, 3000, size=n).astype(np.int32)
        return self.tensor(
            [n], "INT32", (in_scale * w_scales).astype(np.float32), np.zeros(n, np.int64), b
        )

    def out_scale(self, in_scale: float, w_scales: np.ndarray, taps: int) -> float:
        return float(np.sqrt(taps) * 4900.0 * in_scale * float(np.mean(w_scales)) / 40.0)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
