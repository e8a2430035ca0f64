"""Read a .tflite flatbuffer into a small, checked graph description.

Uses the schema module that ships with the `tflite-micro` wheel (the flatbuffer object API),
so the compiler reads exactly the schema TFLite Micro reads. Every way a file can be broken
(not a flatbuffer, truncated, several subgraphs, buffers outside the file) becomes a
`ModelFormatError` naming the file and the field, before anything is compiled or run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from farm.errors import ModelFormatError

log = logging.getLogger(__name__)

_NP_DTYPES = {
    "FLOAT32": np.float32,
    "INT32": np.int32,
    "INT8": np.int8,
    "UINT8": np.uint8,
    "INT16": np.int16,
    "INT64": np.int64,
    "BOOL": np.bool_,
    "FLOAT16": np.float16,
}


def schema() -> Any:
    """The flatbuffer schema module of the tflite-micro wheel (object API: ModelT and friends)."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated

    return schema_py_generated


def _names(enum_cls: type) -> dict[int, str]:
    return {v: k for k, v in vars(enum_cls).items() if not k.startswith("_") and isinstance(v, int)}


@dataclass
class TensorInfo:
    """One tensor of the graph, with quantization and (for constants) its data."""

    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    scale: np.ndarray | None = None
    zero_point: np.ndarray | None = None
    quantized_dimension: int = 0
    data: np.ndarray | None = None

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def scale0(self) -> float:
        """Per-tensor scale as the float32 TFLite stores (0.0 when unquantized)."""
        return (
            float(np.float32(self.scale[0])) if self.scale is not None and len(self.scale) else 0.0
        )

    @property
    def zp0(self) -> int:
        return (
            int(self.zero_point[0]) if self.zero_point is not None and len(self.zero_point) else 0
        )


@dataclass
class OpInfo:
    """One operator: builtin name, tensor indices (-1 = absent optional input), options."""

    index: int
    name: str
    inputs: list[int]
    outputs: list[int]
    options: Any = None


@dataclass
class Graph:
    """The single subgraph of a .tflite model."""

    path: Path
    tensors: list[TensorInfo]
    ops: list[OpInfo]
    inputs: list[int]
    outputs: list[int]
    file_bytes: int = 0
    description: str = field(default="")


def _corrupt(path: Path, what: str, fld: str) -> ModelFormatError:
    return ModelFormatError(
        f"model '{path.name}': {what}; expected an intact .tflite flatbuffer (re-export the model)",
        path=path,
        field=fld,
    )


def read_tflite(path: str | Path) -> Graph:
    """Read and structurally check a .tflite file.

    Raises:
        ModelFormatError: the file is missing, not a TFLite flatbuffer, truncated or corrupt.
    """
    path = Path(path)
    try:
        buf = path.read_bytes()
    except OSError as exc:
        raise ModelFormatError(
            f"model '{path.name}': cannot read the file ({exc.strerror}); give an existing .tflite path",
            path=path,
            field="path",
        ) from exc
    if len(buf) < 16 or buf[4:8] != b"TFL3":
        raise _corrupt(
            path, "file identifier is not 'TFL3' (not a TFLite flatbuffer)", "file_identifier"
        )
    sch = schema()
    try:
        model = sch.ModelT.InitFromPackedBuf(bytearray(buf), 0)
        graph = _to_graph(path, buf, model, sch)
    except ModelFormatError:
        raise
    except Exception as exc:  # the flatbuffer library raises anything on garbage offsets
        raise _corrupt(
            path, f"the flatbuffer is truncated or corrupt ({type(exc).__name__})", "flatbuffer"
        ) from exc
    log.debug("read %s: %d tensors, %d operators", path, len(graph.tensors), len(graph.ops))
    return graph


def _buffer_data(path: Path, buf: bytes, model: Any, index: int) -> bytes | None:
    if index <= 0:
        return None
    if model.buffers is None or index >= len(model.buffers):
        raise _corrupt(path, f"tensor refers to buffer {index} which does not exist", "buffers")
    b = model.buffers[index]
    if b.offset and b.offset > 1:
        if b.offset + b.size > len(buf):
            raise _corrupt(path, f"buffer {index} lies outside the file", "buffers")
        return bytes(buf[b.offset : b.offset + b.size])
    if b.data is None or len(b.data) == 0:
        return None
    return np.asarray(b.data, dtype=np.uint8).tobytes()


def _to_graph(path: Path, buf: bytes, model: Any, sch: Any) -> Graph:
    if not model.subgraphs or len(model.subgraphs) != 1:
        n = len(model.subgraphs or [])
        raise ModelFormatError(
            f"model '{path.name}': has {n} subgraphs; the runtime supports exactly one",
            path=path,
            field="subgraphs",
        )
    sg = model.subgraphs[0]
    type_names = _names(sch.TensorType)
    op_names = _names(sch.BuiltinOperator)
    tensors = []
    for i, t in enumerate(sg.tensors or []):
        dtype = type_names.get(t.type, f"TYPE{t.type}")
        raw = _buffer_data(path, buf, model, t.buffer)
        shape = tuple(int(d) for d in (t.shape if t.shape is not None else []))
        data = None
        if raw is not None:
            np_dtype = _NP_DTYPES.get(dtype)
            if np_dtype is None:
                raise _corrupt(
                    path, f"constant tensor {i} has unsupported type {dtype}", "tensors.type"
                )
            data = np.frombuffer(raw, dtype=np_dtype)
            expected = int(np.prod(shape, dtype=np.int64)) if shape else 1
            if data.size != expected:
                raise _corrupt(
                    path,
                    f"constant tensor {i} holds {data.size} values, shape needs {expected}",
                    "buffers",
                )
            data = data.reshape(shape)
        q = t.quantization
        scale = (
            np.asarray(q.scale, dtype=np.float32) if q is not None and q.scale is not None else None
        )
        zp = (
            np.asarray(q.zeroPoint, dtype=np.int64)
            if q is not None and q.zeroPoint is not None
            else None
        )
        name = (
            t.name.decode(errors="replace") if isinstance(t.name, bytes) else str(t.name or f"t{i}")
        )
        qdim = int(q.quantizedDimension) if q is not None else 0
        tensors.append(TensorInfo(i, name, shape, dtype, scale, zp, qdim, data))
    codes = model.operatorCodes or []
    ops = []
    for i, op in enumerate(sg.operators or []):
        if op.opcodeIndex >= len(codes):
            raise _corrupt(
                path,
                f"operator {i} uses opcode index {op.opcodeIndex} which does not exist",
                "operator_codes",
            )
        code = codes[op.opcodeIndex]
        builtin = max(int(code.builtinCode), int(code.deprecatedBuiltinCode))
        name = op_names.get(builtin, f"BUILTIN_{builtin}")
        if name == "CUSTOM":
            custom = code.customCode.decode(errors="replace") if code.customCode else "?"
            name = f"CUSTOM:{custom}"
        ins = [int(x) for x in (op.inputs if op.inputs is not None else [])]
        outs = [int(x) for x in (op.outputs if op.outputs is not None else [])]
        for t in ins + outs:
            if t >= len(tensors) or t < -1:
                raise _corrupt(
                    path, f"operator {i} refers to tensor {t} which does not exist", "operators"
                )
        ops.append(OpInfo(i, name, ins, outs, op.builtinOptions))
    ins = [int(x) for x in (sg.inputs if sg.inputs is not None else [])]
    outs = [int(x) for x in (sg.outputs if sg.outputs is not None else [])]
    desc = (
        model.description.decode(errors="replace") if isinstance(model.description, bytes) else ""
    )
    return Graph(path, tensors, ops, ins, outs, len(buf), desc)
