"""Serialize lowered operators and the arena plan into a model blob (format version 1).

Layout: header (128 bytes) | tensor table | operator records | constants. Sections and every
constant array start 16-byte aligned, so the kernels read weights in place from flash with
word loads. See firmware/runtime/BLOB.md.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass

from farm.compiler.blob_format import (
    FORMAT_VERSION,
    HEADER_BYTES,
    MAGIC,
    MODEL_ID_BYTES,
    SECTION_ALIGN,
    TENSOR_CONST_FLAG,
    TENSOR_ENTRY_BYTES,
    BlobFlag,
    OpRecord,
)
from farm.compiler.planner import Plan, align_up
from farm.compiler.tflite_reader import TensorInfo


@dataclass(frozen=True)
class BlobLayout:
    """Where things ended up, for reports."""

    blob_bytes: int
    const_bytes: int
    tensor_ids: dict[int, int]


def write_blob(
    records: list[OpRecord],
    tensors: list[TensorInfo],
    plan: Plan,
    input_tensor: int,
    output_tensor: int,
    flags: BlobFlag,
    model_id: str,
) -> tuple[bytes, BlobLayout]:
    """Return the blob bytes and its layout facts."""
    const_tensors = sorted({t for r in records for t in r.tensors if tensors[t].is_const})
    order = sorted(plan.offsets) + const_tensors
    ids = {t: i for i, t in enumerate(order)}
    tensor_off = HEADER_BYTES
    ops_off = align_up(tensor_off + TENSOR_ENTRY_BYTES * len(order), SECTION_ALIGN)
    op_bytes = sum(4 * (4 + len(r.tensors) + 2 * len(r.consts) + len(r.params)) for r in records)
    const_off = align_up(ops_off + op_bytes, SECTION_ALIGN)
    consts = bytearray()

    def place(data: bytes) -> int:
        pos = align_up(len(consts), SECTION_ALIGN)
        consts.extend(bytes(pos - len(consts)) + data)
        return const_off + pos

    where = dict(plan.offsets)
    for t in const_tensors:
        # Constant operands (e.g. of ADD) are read in place from the blob: no arena bytes.
        data = tensors[t].data
        assert data is not None
        where[t] = TENSOR_CONST_FLAG | place(data.astype("int8").tobytes())
    table = b"".join(
        struct.pack("<IIif", where[t], tensors[t].size, tensors[t].zp0, tensors[t].scale0)
        for t in order
    )
    ops = bytearray()
    for r in records:
        refs = []
        for c in r.consts:
            refs += [place(c), len(c)]
        words = [int(r.opcode), len(r.tensors), len(r.consts), len(r.params)]
        words += [ids[t] for t in r.tensors] + refs
        ops += struct.pack(f"<{len(words)}I", *words)
        ops += struct.pack(f"<{len(r.params)}i", *r.params)
    body = bytearray(table)
    body += bytes(ops_off - HEADER_BYTES - len(body)) + ops
    body += bytes(const_off - HEADER_BYTES - len(body)) + consts
    body += bytes(align_up(len(body), SECTION_ALIGN) - len(body))
    total = HEADER_BYTES + len(body)
    digest = hashlib.sha256(body).digest()[:16]
    name = model_id.encode()[: MODEL_ID_BYTES - 1].ljust(MODEL_ID_BYTES, b"\0")
    inp, out = tensors[input_tensor], tensors[output_tensor]
    header = struct.pack(
        "<4sIIIIIIIIIIIIIfifiII16s24s8x",
        MAGIC,
        FORMAT_VERSION,
        HEADER_BYTES,
        total,
        int(flags),
        plan.arena_bytes,
        len(ids),
        tensor_off,
        len(records),
        ops_off,
        const_off,
        len(consts),
        ids[input_tensor],
        ids[output_tensor],
        inp.scale0,
        inp.zp0,
        out.scale0,
        out.zp0,
        zlib.crc32(bytes(body)),
        0,
        digest,
        name,
    )
    assert len(header) == HEADER_BYTES
    return bytes(header) + bytes(body), BlobLayout(total, len(consts), ids)
