"""`.tflite` -> model blob: read, check, lower, plan, write. The compiler's one entry point."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from farm.compiler.blob_format import BlobFlag, OpCode, model_id_problem
from farm.compiler.blob_writer import write_blob
from farm.compiler.lowering import lower_graph
from farm.compiler.planner import align_up, lifetimes, plan_arena
from farm.compiler.tflite_reader import Graph, TensorInfo, read_tflite

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpReport:
    """One runtime operator as the reports show it."""

    index: int
    tflite_op: str
    runtime_op: str
    macs: int
    const_bytes: int
    output_shape: tuple[int, ...]


@dataclass(frozen=True)
class TensorIo:
    """The model input or output: shape, dtype of the .tflite tensor, int8 quantization."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    scale: float
    zero_point: int


@dataclass(frozen=True)
class CompiledModel:
    """A compiled model: the blob and the facts reports and checks need."""

    path: Path
    blob: bytes
    arena_bytes: int
    const_bytes: int
    flags: BlobFlag
    ops: tuple[OpReport, ...]
    input: TensorIo
    output: TensorIo
    param_count: int
    scratch_bytes: int = 0

    @property
    def macs(self) -> int:
        return sum(o.macs for o in self.ops)

    @property
    def blob_bytes(self) -> int:
        return len(self.blob)


def _io(graph: Graph, tensor: int, float_flag: bool, original: int) -> TensorIo:
    t = graph.tensors[tensor]
    shape = graph.tensors[original].shape
    return TensorIo(t.name, shape, "float32" if float_flag else "int8", t.scale0, t.zp0)


def compile_model(
    path: str | Path, *, single_rounding: bool = False, model_id: str | None = None
) -> CompiledModel:
    """Compile a .tflite file; raise ModelFormatError (naming file, operator, field) if it cannot run.

    ``model_id`` is what the firmware reports in ``profile%`` (``m-model-[kws01]``); default the
    file stem. Callers validate user input with :func:`model_id_problem` first (ValueError here).
    """
    if model_id is not None and (problem := model_id_problem(model_id)) is not None:
        raise ValueError(f"model id {problem}")
    graph = read_tflite(path)
    lowered = lower_graph(graph, single_rounding=single_rounding)
    tensors = list(graph.tensors)
    for rec in lowered.records:
        if rec.scratch_bytes:
            # Scratch is an arena tensor used by this operator only (input, scratch, output).
            tensors.append(
                TensorInfo(
                    len(tensors), f"scratch_op{rec.source_index}", (rec.scratch_bytes,), "INT8"
                )
            )
            rec.tensors.insert(len(rec.tensors) - 1, len(tensors) - 1)
    spans = lifetimes(lowered.records, lowered.input_tensor, lowered.output_tensor)
    spans = {t: span for t, span in spans.items() if not tensors[t].is_const}
    sizes = {t: tensors[t].size for t in spans}
    plan = plan_arena(sizes, spans)
    for rec in lowered.records:
        if rec.scratch_bytes:
            # A one-pixel window halves the scratch; keep it only where that shrinks the arena
            # (two-pixel windows feed the faster 2x2 kernel).
            scratch = rec.tensors[1]
            smaller = plan_arena({**sizes, scratch: rec.scratch_bytes // 2}, spans)
            if smaller.arena_bytes < plan.arena_bytes:
                plan, sizes[scratch] = smaller, rec.scratch_bytes // 2
                rec.scratch_bytes //= 2
                rec.params[19] = 1
                tensors[scratch] = TensorInfo(
                    scratch, tensors[scratch].name, (rec.scratch_bytes,), "INT8"
                )
    blob, layout = write_blob(
        lowered.records,
        tensors,
        plan,
        lowered.input_tensor,
        lowered.output_tensor,
        lowered.flags,
        model_id or graph.path.stem,
    )
    ops = tuple(
        OpReport(
            r.source_index,
            r.source_name,
            OpCode(r.opcode).name,
            r.macs,
            sum(len(c) for c in r.consts),
            tensors[r.tensors[-1]].shape,
        )
        for r in lowered.records
    )
    params = sum(t.size for t in graph.tensors if t.is_const and t.dtype in ("INT8", "INT32"))
    flags = lowered.flags
    model = CompiledModel(
        graph.path,
        blob,
        plan.arena_bytes,
        layout.const_bytes,
        flags,
        ops,
        _io(graph, lowered.input_tensor, BlobFlag.FLOAT_INPUT in flags, graph.inputs[0]),
        _io(graph, lowered.output_tensor, BlobFlag.FLOAT_OUTPUT in flags, graph.outputs[0]),
        params,
        sum(align_up(r.scratch_bytes) for r in lowered.records),
    )
    log.info(
        "compiled %s: %d ops, arena %d B, blob %d B",
        graph.path.name,
        len(ops),
        plan.arena_bytes,
        len(blob),
    )
    return model
