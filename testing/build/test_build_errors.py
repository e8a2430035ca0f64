"""Builder errors: a compile error names the file and the log; a missing toolchain says what
to install."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from farm.build import build_firmware
from farm.build.toolchain import host_toolchain_version
from farm.errors import BuildError, ToolchainNotFoundError


def _broken_tree(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    src = tmp_path / "src"
    src.mkdir()
    (src / "main.c").write_text("int main(void) { return undefined_thing; }\n")
    recipe = tmp_path / "fw" / "recipe.yaml"
    recipe.parent.mkdir()
    recipe.write_text(
        "name: broken\nversions:\n  '1.0': {source: src}\nbuild:\n"
        "  command: 'arm-none-eabi-gcc -c {source}/main.c -o {out}/main.o'\n"
    )
    return recipe


def test_compile_error_names_file_and_log(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as info:
        build_firmware(
            _broken_tree(tmp_path), "1.0", "mps2_an386", cache_dir=tmp_path / "c", builder="host"
        )
    err = info.value
    assert "main.c:1: 'undefined_thing' undeclared" in str(err)
    assert err.log_path is not None and err.log_path.is_file()
    assert str(err.log_path) in str(err) and err.returncode == 1


def test_missing_toolchain_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host_toolchain_version.cache_clear()
    monkeypatch.setenv("PATH", str(tmp_path))
    assert shutil.which("arm-none-eabi-gcc") is None
    try:
        with pytest.raises(ToolchainNotFoundError, match="apt-get install gcc-arm-none-eabi"):
            build_firmware(
                _broken_tree(tmp_path),
                "1.0",
                "mps2_an386",
                cache_dir=tmp_path / "c",
                builder="host",
            )
    finally:
        host_toolchain_version.cache_clear()
