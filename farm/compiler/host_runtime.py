"""Run the C runtime on the host: build it as a shared library with gcc, drive it with ctypes.

The library is cached under a directory keyed by the hash of the runtime sources and the
build flavour, so editing a kernel rebuilds it and nothing else does. Flavours:
``plain`` (the plain-C kernels) and ``dsp-emulated`` (the Cortex-M DSP kernels with portable C
models of SMLAD/SXTB16, to check on the host that the optimized path gives the same bytes).
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
from pathlib import Path

import numpy as np

from farm.compiler.blob_format import check_blob_version
from farm.errors import FarmError
from farm.host_gcc import build_shared_object

log = logging.getLogger(__name__)

RUNTIME_DIR = Path(__file__).resolve().parents[2] / "firmware" / "runtime"
FLAVOURS = {"plain": ["-DFARM_FORCE_PLAIN"], "dsp-emulated": ["-DFARM_DSP_EMULATE"]}
STORAGE_BYTES = 256
STATUS_NAMES = {-1: "MAGIC", -2: "VERSION", -3: "CORRUPT", -4: "ARENA", -5: "OP", -6: "ALIGN"}


def cache_dir() -> Path:
    """Where built libraries live: per user, not per project (they depend only on the runtime
    sources, whose hash names each build), so every checkout and test run shares them."""
    return Path.home() / ".cache" / "joulefarm" / "host-runtime"


def runtime_sources() -> list[Path]:
    return sorted((RUNTIME_DIR / "src").glob("*.c"))


def _source_hash(flags: list[str]) -> str:
    h = hashlib.sha256(" ".join(flags).encode())
    for p in sorted([*RUNTIME_DIR.glob("include/*.h"), *RUNTIME_DIR.glob("src/*.[ch]")]):
        h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()[:16]


def build_library(flavour: str = "plain") -> Path:
    """Compile the runtime into a host shared library (cached); return its path."""
    flags = FLAVOURS[flavour]
    args = [f"-I{RUNTIME_DIR / 'include'}", f"-I{RUNTIME_DIR / 'src'}", *flags,
            *map(str, runtime_sources())]  # fmt: skip
    return build_shared_object(
        cache_dir() / f"{flavour}-{_source_hash(flags)}",
        "libfarm_runtime.so",
        args,
        f"host runtime '{flavour}'",
    )


class FarmModelInfo(ctypes.Structure):
    """ctypes mirror of farm_model_info_t."""

    _fields_ = [
        ("format_version", ctypes.c_uint32),
        ("blob_bytes", ctypes.c_uint32),
        ("arena_bytes", ctypes.c_uint32),
        ("op_count", ctypes.c_uint32),
        ("input_bytes", ctypes.c_uint32),
        ("output_bytes", ctypes.c_uint32),
        ("input_scale", ctypes.c_float),
        ("input_zero_point", ctypes.c_int32),
        ("output_scale", ctypes.c_float),
        ("output_zero_point", ctypes.c_int32),
        ("content_hash", ctypes.c_uint8 * 16),
        ("model_id", ctypes.c_char * 24),
    ]


class HostRuntimeError(FarmError):
    """The runtime refused a blob (status code from farm_model_init/invoke): a compiler bug."""


class HostModel:
    """One blob bound to an arena inside the host library."""

    def __init__(self, blob: bytes, flavour: str = "plain", name: str = "<in memory>") -> None:
        check_blob_version(blob, name)
        self.lib = _load(flavour)
        # Aligned copies: the runtime requires 4-byte aligned blob and arena, 8 for storage.
        self._blob = np.frombuffer(blob, np.uint8).copy()
        self._storage = np.zeros(STORAGE_BYTES // 8, np.uint64)
        arena_bytes = int.from_bytes(blob[20:24], "little") if len(blob) >= 24 else 0
        self._arena = np.zeros(max(arena_bytes, 16) // 8 + 2, np.uint64)
        self._model = ctypes.c_void_p()
        st = self.lib.farm_model_init(
            self._storage.ctypes.data_as(ctypes.c_void_p),
            self._blob.ctypes.data_as(ctypes.c_void_p),
            ctypes.c_size_t(len(blob)),
            self._arena.ctypes.data_as(ctypes.c_void_p),
            ctypes.c_size_t(self._arena.nbytes),
            ctypes.byref(self._model),
        )
        if st != 0:
            raise HostRuntimeError(
                f"runtime '{flavour}': farm_model_init returned {st} ({STATUS_NAMES.get(st, '?')})"
            )
        self.info: FarmModelInfo = self.lib.farm_model_info(self._model).contents

    def run(self, x: np.ndarray) -> np.ndarray:
        """Invoke once on an int8 input; return a copy of the int8 output."""
        data = np.ascontiguousarray(x, dtype=np.int8).reshape(-1)
        if data.size != self.info.input_bytes:
            raise ValueError(
                f"input has {data.size} values, the model needs {self.info.input_bytes}"
            )
        ctypes.memmove(self.lib.farm_model_input(self._model), data.ctypes.data, data.size)
        st = self.lib.farm_model_invoke(self._model)
        if st != 0:
            raise HostRuntimeError(f"runtime: farm_model_invoke returned {st}")
        out = np.empty(self.info.output_bytes, np.int8)
        ctypes.memmove(out.ctypes.data, self.lib.farm_model_output(self._model), out.size)
        return out

    @property
    def kernel_path(self) -> str:
        return self.lib.farm_runtime_kernel_path().decode()


_LIBS: dict[str, ctypes.CDLL] = {}


def _load(flavour: str) -> ctypes.CDLL:
    if flavour not in _LIBS:
        lib = ctypes.CDLL(str(build_library(flavour)))
        lib.farm_model_init.restype = ctypes.c_int
        lib.farm_model_init.argtypes = [
            ctypes.c_void_p,
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.POINTER(ctypes.c_void_p),
        ]
        lib.farm_model_info.restype = ctypes.POINTER(FarmModelInfo)
        lib.farm_model_info.argtypes = [ctypes.c_void_p]
        lib.farm_model_input.restype = ctypes.c_void_p
        lib.farm_model_input.argtypes = [ctypes.c_void_p]
        lib.farm_model_output.restype = ctypes.c_void_p
        lib.farm_model_output.argtypes = [ctypes.c_void_p]
        lib.farm_model_invoke.restype = ctypes.c_int
        lib.farm_model_invoke.argtypes = [ctypes.c_void_p]
        lib.farm_runtime_kernel_path.restype = ctypes.c_char_p
        _LIBS[flavour] = lib
    return _LIBS[flavour]
