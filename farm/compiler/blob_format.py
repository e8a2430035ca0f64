"""Constants and records of the model blob format (version 4).

The C side mirrors these numbers in `firmware/runtime/src/farm_blob.h`; `firmware/runtime/BLOB.md`
documents the layout. Everything is little-endian; every section starts 16-byte aligned.
"""

from __future__ import annotations

import enum
import re
import struct
from dataclasses import dataclass, field

from farm.errors import ModelFormatError

MAGIC = b"FRMB"
# 2: CONV, DEPTHWISE_CONV and FULLY_CONNECTED carry one per-channel requantization record
# (multiplier, L, R, rounding addend) instead of TFLite's multiplier and shift arrays, plus a
# fast-requantization flag as their last parameter (BLOB.md).
# 3: FULLY_CONNECTED has an 8th parameter, the weight layout (1: 4-channel interleaved, which
# the compiler writes for one input row; farm/compiler/fc_layout.py).
FORMAT_VERSION = 4
VERSION_OFFSET = 4  # header byte offset of format_version
HEADER_BYTES = 128
TENSOR_ENTRY_BYTES = 16
SECTION_ALIGN = 16
ARENA_ALIGN = 16
MODEL_ID_BYTES = 24
# What `profile%` reports as m-model-[...]: printable, no bracket or '%' a host parser would trip
# on. MLPerf Tiny's runner picks its test by it (kws01, vww01, ic01, ad01).
MODEL_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
MAX_OP_TENSORS = 16
TENSOR_CONST_FLAG = (
    0x80000000  # tensor entry offset is a blob offset (a constant), not an arena one
)


class BlobFlag(enum.IntFlag):
    """Header flags."""

    SINGLE_ROUNDING = 1  # requantization uses TFLITE_SINGLE_ROUNDING semantics
    FLOAT_INPUT = 2  # the .tflite input is float32; the host quantizes before the blob's input
    FLOAT_OUTPUT = 4  # the .tflite output is float32; the host dequantizes the blob's output


class OpCode(enum.IntEnum):
    """Runtime operator codes (stable: part of the format)."""

    CONV = 1
    DEPTHWISE_CONV = 2
    FULLY_CONNECTED = 3
    AVERAGE_POOL = 4
    MAX_POOL = 5
    ADD = 6
    MUL = 7
    COPY = 8
    SOFTMAX = 9
    LUT8 = 10
    PAD = 11
    CONCAT = 12
    MEAN = 13


@dataclass
class OpRecord:
    """One lowered operator: arena tensors, constant arrays and int32 parameters.

    `tensors` are graph tensor indices (inputs first, output last); `consts` are raw bytes
    that the writer places, aligned, in the constant section. A kernel that needs scratch memory
    says how much in `scratch_bytes`; the compiler plans it in the arena like a tensor that lives
    for this operator only.
    """

    opcode: OpCode
    source_name: str
    source_index: int
    tensors: list[int]
    consts: list[bytes] = field(default_factory=list)
    params: list[int] = field(default_factory=list)
    macs: int = 0
    scratch_bytes: int = 0  # arena scratch the kernel needs (inserted as tensor 1 by the compiler)


def model_id_problem(model_id: str) -> str | None:
    """Why ``model_id`` cannot be a blob's model id (None when it can).

    The blob keeps it NUL-terminated in MODEL_ID_BYTES, and the firmware prints it inside
    ``m-model-[...]``, so: 1..23 characters of letters, digits, ``_ . -``, starting with a letter
    or digit.
    """
    if not model_id or len(model_id) > MODEL_ID_BYTES - 1:
        return f"'{model_id}' must be 1..{MODEL_ID_BYTES - 1} characters long"
    if MODEL_ID_PATTERN.match(model_id) is None:
        return f"'{model_id}' may hold only letters, digits, '_', '.' and '-' (e.g. kws01)"
    return None


def check_blob_version(blob: bytes, name: str) -> None:
    """Raise a clear error for a farm blob of a format version this runtime cannot read.

    The C runtime only says FARM_ERR_VERSION; a blob written by an older compiler (e.g. kept in a
    cache or copied by hand) is named here with the version found and the one supported.
    """
    if len(blob) < VERSION_OFFSET + 4 or blob[:4] != MAGIC:
        return  # not a farm blob at all: the runtime's own check says MAGIC
    (found,) = struct.unpack_from("<I", blob, VERSION_OFFSET)
    if found != FORMAT_VERSION:
        raise ModelFormatError(
            f"blob '{name}': format_version is {found}; this runtime supports version "
            f"{FORMAT_VERSION} only (recompile the .tflite with `farm model compile`)",
            field="format_version",
        )
