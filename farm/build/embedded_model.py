"""The model a firmware compiles in (recipe ``model: embedded``), as files the build reads.

A lab's TFLite Micro application includes ``model.h`` made with ``xxd -i model.tflite``; a
vendor code generator reads the ``.tflite``; a firmware running the farm's runtime compiles the
farm's model blob in. The farm writes all three next to the build output and fills the recipe's
placeholders with their paths:

==================  =====================================================================
``{model_tflite}``  the ``.tflite`` file
``{model_c}``       ``model.h``: the ``.tflite`` as a C array ``model_tflite[]`` and its
                    length ``model_tflite_len`` (xxd -i names, ``static const``, 16-byte
                    aligned as TFLite Micro wants its flatbuffer)
``{model_blob_c}``  ``model_blob.h``: the farm's compiled blob as ``model_blob[]`` and
                    ``model_blob_len`` (for firmware running the farm runtime)
==================  =====================================================================

The build key then includes the model's sha256 (and the blob's), so one image is built per
(firmware version, target, model) and cached like any other.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

MODEL_PLACEHOLDERS = ("model_tflite", "model_c", "model_blob_c")
BYTES_PER_LINE = 12  # as xxd -i


@dataclass(frozen=True)
class EmbeddedModel:
    """The model to compile into an image: its name, ``.tflite`` file and compiled blob."""

    name: str
    tflite: Path
    sha256: str
    blob: bytes = b""

    def key_fields(self) -> dict[str, str]:
        """What the build key adds for this model (the blob too: the compiler may change)."""
        return {
            "model_sha256": self.sha256,
            "model_blob_sha256": hashlib.sha256(self.blob).hexdigest(),
        }


def c_array(data: bytes, symbol: str, source: str) -> str:
    """A C/C++ header holding ``data`` like ``xxd -i`` (``symbol[]`` and ``symbol_len``)."""
    guard = f"FARM_{symbol.upper()}_H"
    lines = [
        f"/* {source}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}.",
        " * Written by the farm for a firmware that compiles the model in; do not edit. */",
        f"#ifndef {guard}",
        f"#define {guard}",
        f"static const unsigned char {symbol}[] __attribute__((aligned(16))) = {{",
    ]
    for start in range(0, len(data), BYTES_PER_LINE):
        chunk = data[start : start + BYTES_PER_LINE]
        lines.append("  " + ", ".join(f"0x{b:02x}" for b in chunk) + ",")
    lines += ["};", f"static const unsigned int {symbol}_len = {len(data)};", "#endif", ""]
    return "\n".join(lines)


def write_model_files(model: EmbeddedModel, dest: Path) -> dict[str, Path]:
    """Write the ``.tflite``, ``model.h`` and ``model_blob.h`` into ``dest``; placeholder ->
    path."""
    dest.mkdir(parents=True, exist_ok=True)
    tflite_bytes = model.tflite.read_bytes()
    tflite = dest / f"{model.name}.tflite"
    tflite.write_bytes(tflite_bytes)
    header = dest / "model.h"
    header.write_text(c_array(tflite_bytes, "model_tflite", tflite.name), encoding="utf-8")
    blob = dest / "model_blob.h"
    blob.write_text(c_array(model.blob, "model_blob", f"{model.name} blob"), encoding="utf-8")
    return {"model_tflite": tflite, "model_c": header, "model_blob_c": blob}
