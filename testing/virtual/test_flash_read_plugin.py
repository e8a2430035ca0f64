"""The QEMU flash read plugin's build: once per source, and a trace without it (no host gcc)
rather than no trace."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm.errors import BuildError
from farm.host_gcc import build_shared_object
from farm.virtual.flash_read_plugin import build_plugin


def test_plugin_is_built_once_per_source(tmp_path: Path) -> None:
    first = build_plugin(tmp_path)
    assert first is not None and first.is_file()
    stamp = first.stat().st_mtime_ns
    assert build_plugin(tmp_path) == first and first.stat().st_mtime_ns == stamp


def test_without_gcc_the_trace_goes_on_without_the_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert build_plugin(tmp_path / "cache") is None


def test_a_compile_error_keeps_gcc_s_output(tmp_path: Path) -> None:
    bad = tmp_path / "bad.c"
    bad.write_text("int f(void) { return missing; }\n")
    with pytest.raises(BuildError, match="the bad object: gcc failed; see") as info:
        build_shared_object(tmp_path / "out", "bad.so", [str(bad)], "the bad object")
    assert info.value.log_path is not None
    assert (
        "missing" in info.value.log_path.read_text()
        and "undeclared" in info.value.log_path.read_text()
    )
