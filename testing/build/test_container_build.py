"""The container builder for real: podman with a toolchain rootfs gives the host's image."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm.build import build_firmware
from farm.build.builders import default_rootfs_dir
from testing.build.conftest import HARNESS


@pytest.mark.slow
def test_podman_build_matches_host_build(tmp_path: Path) -> None:
    # A rootfs of its own (made once in ~6 s from the installed Debian packages, reused by
    # later runs), so this test never turns `builder="auto"` into podman for everyone else.
    rootfs = Path.home() / ".cache" / "joulefarm" / "rootfs" / "test-arm-gcc"
    assert default_rootfs_dir() != rootfs
    podman = build_firmware(
        HARNESS, "1.1", "mps2_an505", cache_dir=tmp_path / "p", builder="podman", rootfs_dir=rootfs
    )
    host = build_firmware(HARNESS, "1.1", "mps2_an505", cache_dir=tmp_path / "h", builder="host")
    assert (podman.builder, host.builder) == ("podman", "host")
    assert podman.cache == host.cache == "miss"
    assert podman.toolchain == host.toolchain
    assert podman.build_id == host.build_id
    assert podman.image_hash == host.image_hash
    assert podman.bin.read_bytes() == host.bin.read_bytes()
    log = (podman.elf.parent / "build.log").read_text()
    assert "--rootfs" in log and ":/src:ro" in log and "--user" in log
