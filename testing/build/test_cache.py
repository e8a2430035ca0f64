"""Build cache: hit/miss, corruption detection, one build per key across processes."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from farm.build import build_firmware
from farm.build.cache import MANIFEST
from testing.build.conftest import DATA

FAKE = DATA / "fake_recipe" / "recipe.yaml"


@pytest.fixture
def counter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "runs.txt"
    monkeypatch.setenv("FARM_TEST_COUNTER", str(path))
    return path


def _runs(counter: Path) -> int:
    return len(counter.read_text().splitlines()) if counter.exists() else 0


def test_miss_then_hit_and_image_json(tmp_path: Path, counter: Path) -> None:
    first = build_firmware(FAKE, "1.0", "mps2_an386", cache_dir=tmp_path / "c", builder="host")
    second = build_firmware(FAKE, "1.0", "mps2_an386", cache_dir=tmp_path / "c", builder="host")
    assert (first.cache, second.cache) == ("miss", "hit")
    assert _runs(counter) == 1
    assert second.image_hash == first.image_hash and second.elf == first.elf
    assert first.builder == "host" and first.toolchain.startswith("arm-none-eabi-gcc")
    facts = json.loads((first.elf.parent / "image.json").read_text())
    assert facts["model_region_addr"] == 0x40000 and facts["model_region_bytes"] == 3840 * 1024
    assert facts["image_hash"] == first.image_hash and facts["bin"] == "firmware.bin"
    other = build_firmware(FAKE, "2.0", "mps2_an386", cache_dir=tmp_path / "c", builder="host")
    assert other.cache == "miss" and other.key != first.key and _runs(counter) == 2


@pytest.mark.parametrize("damage", ["edit-bin", "drop-manifest", "truncate-manifest"])
def test_corrupt_entry_is_rebuilt(tmp_path: Path, counter: Path, damage: str) -> None:
    art = build_firmware(FAKE, "1.0", "mps2_an386", cache_dir=tmp_path, builder="host")
    entry = art.elf.parent
    if damage == "edit-bin":
        data = art.bin.read_bytes()
        art.bin.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    elif damage == "drop-manifest":
        (entry / MANIFEST).unlink()
    else:
        (entry / MANIFEST).write_text('{"key": ')
    again = build_firmware(FAKE, "1.0", "mps2_an386", cache_dir=tmp_path, builder="host")
    assert again.cache == "miss" and _runs(counter) == 2
    assert build_firmware(FAKE, "1.0", "mps2_an386", cache_dir=tmp_path).cache == "hit"


def _worker(cache_dir: str, queue: multiprocessing.Queue) -> None:
    art = build_firmware(FAKE, "1.0", "mps2_an386", cache_dir=cache_dir, builder="host")
    queue.put((art.cache, art.image_hash))


def test_concurrent_processes_build_once(tmp_path: Path, counter: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(tmp_path), queue)) for _ in range(8)]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    assert _runs(counter) == 1, counter.read_text()
    assert sorted(r[0] for r in results) == ["hit"] * 7 + ["miss"]
    assert len({r[1] for r in results}) == 1
    assert os.environ["FARM_TEST_COUNTER"] == str(counter)
