"""The C runtime: blob checks at init, CLI round trip, and the Cortex-M cross-compile."""

from __future__ import annotations

import ctypes
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from farm.compiler import host_runtime
from farm.compiler.blob_format import FORMAT_VERSION
from farm.compiler.host_runtime import (
    RUNTIME_DIR,
    STATUS_NAMES,
    STORAGE_BYTES,
    HostModel,
    HostRuntimeError,
    runtime_sources,
)
from farm.compiler.model_compiler import compile_model
from farm.errors import ModelFormatError

FARM = Path(sys.executable).with_name("farm")


def test_corrupt_blob_refused(model_dir: Path) -> None:
    blob = bytearray(compile_model(model_dir / "convnet.tflite").blob)
    blob[-40] ^= 0x55
    with pytest.raises(HostRuntimeError, match="CORRUPT"):
        HostModel(bytes(blob))
    good = compile_model(model_dir / "convnet.tflite").blob
    with pytest.raises(HostRuntimeError, match="CORRUPT"):
        HostModel(good[:-16])  # truncated: the header's size exceeds the buffer
    blob[0:4] = b"XXXX"
    with pytest.raises(HostRuntimeError, match="MAGIC"):
        HostModel(bytes(blob))


def test_old_blob_version_named(model_dir: Path) -> None:
    """A version-1 blob (before the per-channel requantization records) is refused by name with
    the version found and the one supported; the C runtime refuses it on its own as well."""
    old = bytearray(compile_model(model_dir / "convnet.tflite").blob)
    old[4:8] = (1).to_bytes(4, "little")
    with pytest.raises(ModelFormatError) as err:
        HostModel(bytes(old), name="convnet.blob")
    assert "blob 'convnet.blob': format_version is 1" in str(err.value)
    assert f"supports version {FORMAT_VERSION} only" in str(err.value)
    lib = host_runtime._load("plain")  # below HostModel's check: the C status alone
    storage = np.zeros(STORAGE_BYTES // 8, np.uint64)
    buf = np.frombuffer(bytes(old), np.uint8).copy()
    arena = np.zeros(1 << 16, np.uint64)
    handle = ctypes.c_void_p()
    st = lib.farm_model_init(
        storage.ctypes.data_as(ctypes.c_void_p),
        buf.ctypes.data_as(ctypes.c_void_p),
        ctypes.c_size_t(buf.size),
        arena.ctypes.data_as(ctypes.c_void_p),
        ctypes.c_size_t(arena.nbytes),
        ctypes.byref(handle),
    )
    assert STATUS_NAMES[st] == "VERSION"


def test_info_matches_header(model_dir: Path) -> None:
    m = compile_model(model_dir / "elementwise.tflite")
    info = HostModel(m.blob).info
    assert info.format_version == FORMAT_VERSION
    assert info.blob_bytes == len(m.blob)
    assert info.arena_bytes == m.arena_bytes
    assert info.op_count == len(m.ops)
    assert info.model_id == b"elementwise"
    assert info.input_bytes == 160 and info.output_bytes == 35


def test_cli_json(model_dir: Path, tmp_path: Path) -> None:
    path = model_dir / "convnet.tflite"
    out = subprocess.run(
        [str(FARM), "model", "check", str(path), "--inputs", "3", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    for key in (
        "model",
        "ops",
        "macs",
        "arena_bytes",
        "blob_bytes",
        "tflm_arena_bytes",
        "bit_exact",
        "max_abs_diff",
        "litert_mismatches",
        "inputs",
    ):
        assert key in data
    assert data["bit_exact"] is True and data["inputs"] == 3
    info = json.loads(
        subprocess.run(
            [str(FARM), "model", "inspect", str(path), "--json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert info["macs"] == data["macs"] and len(info["operators"]) == info["ops"]
    blob = tmp_path / "m.blob"
    subprocess.run(
        [str(FARM), "model", "compile", str(path), "-o", str(blob)], check=True, capture_output=True
    )
    assert blob.read_bytes()[:4] == b"FRMB"


@pytest.mark.parametrize(
    "cpu",
    [
        ["-mcpu=cortex-m4", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
        ["-mcpu=cortex-m7"],
        ["-mcpu=cortex-m33"],
        ["-mcpu=cortex-m0plus"],
    ],
)
def test_cross_compiles_for_cortex_m(tmp_path: Path, cpu: list[str]) -> None:
    gcc = shutil.which("arm-none-eabi-gcc")
    assert gcc, "arm-none-eabi-gcc is required (apt-get install gcc-arm-none-eabi)"
    objs = []
    for src in runtime_sources():
        obj = tmp_path / (src.stem + ".o")
        subprocess.run([gcc, *cpu, "-mthumb", "-std=c11", "-Wall", "-Wextra", "-Werror", "-Os", "-ffreestanding",
                        f"-I{RUNTIME_DIR / 'include'}", f"-I{RUNTIME_DIR / 'src'}", "-c", str(src), "-o", str(obj)],
                       check=True, capture_output=True)  # fmt: skip
        objs.append(obj)
    dis = subprocess.run(
        ["arm-none-eabi-objdump", "-d", str(tmp_path / "k_fully_connected.o")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert ("smlad" in dis) == (cpu[0] != "-mcpu=cortex-m0plus")
