"""The harness on every QEMU twin: protocol, errors, bit-exact outputs, repeatable counts."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import numpy as np
import pytest

from farm.build import FirmwareArtifact, build_firmware
from farm.compiler.host_runtime import HostModel
from farm.compiler.model_compiler import compile_model
from testing.build.conftest import HARNESS, REPO
from testing.build.qemu_twin import Twin

TWINS = ["mps2_an386", "mps2_an500", "mps2_an505", "netduinoplus2"]
MODEL = REPO / "models" / "kws_dscnn_16.tflite"

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, np.ndarray]:
    compiled = compile_model(MODEL)
    blob = tmp_path_factory.mktemp("blob") / "kws.blob"
    blob.write_bytes(compiled.blob)
    x = np.random.default_rng(7).integers(-128, 128, 490, dtype=np.int8)
    return blob, x, HostModel(compiled.blob).run(x)


def _machine(bsp: str) -> str:
    return bsp.replace("_", "-") if bsp.startswith("mps2") else bsp


def _session(art: FirmwareArtifact, blob: Path, x: np.ndarray) -> dict[str, list[str]]:
    with Twin(_machine(art.bsp), art.elf, blob, art.model_region_addr) as twin:
        out = {"banner": twin.banner}
        for cmd in ("name", "profile", "farm-info"):
            out[cmd] = twin.cmd(cmd)
        out["load"] = twin.load(x.tobytes())
        out["print"] = twin.cmd("db print")
        for cmd in ("infer 10 2", "results", "results-raw", "cycles"):
            out[cmd] = twin.cmd(cmd)
        out["errors"] = [
            twin.cmd("bogus thing"),
            twin.cmd("db 0g"),
            twin.cmd("db 123"),
            twin.cmd("db load 0"),
            twin.cmd("db load 999999999"),
            twin.cmd("x" * 81),
        ]
        out["after"] = twin.cmd("name")
    return out


@pytest.mark.parametrize("bsp", TWINS)
def test_twin_protocol_bit_exact_and_repeatable(bsp: str, build_cache: Path, model) -> None:
    blob, x, reference = model
    art = build_firmware(HARNESS, "1.0", bsp, cache_dir=build_cache, builder="host")
    run = _session(art, blob, x)
    assert run["banner"] == ["m-timestamp-mode-performance", run["banner"][1], "m-init-done"]
    assert re.fullmatch(r"m-lap-us-\d+", run["banner"][1])
    assert run["name"] == ["m-name-dut-[joulefarm]"]
    assert run["profile"] == ["m-profile-[joulefarm-harness 1.0]", "m-model-[kws_dscnn_16]"]
    info = dict(kv.split("=", 1) for kv in run["farm-info"][0][len("m-farm-info-[") : -1].split())
    assert info["build"] == art.build_id and info["bsp"] == bsp and info["version"] == "1.0"
    assert info["model"] == "kws_dscnn_16" and int(info["blob_bytes"]) == blob.stat().st_size
    assert info["cycle_unit"] == "instructions" and info["kernels"] == "plain-c"
    assert run["load"][0] == "m-[Expecting 490 bytes]" and run["load"][-1] == "m-load-done"
    assert len(run["load"]) == 2  # only the last chunk completes the load
    assert run["print"][0] == "m-buffer-" + "-".join(f"{b:02x}" for b in x[:8].view(np.uint8))
    infer = run["infer 10 2"]
    assert infer[:3] == ["m-warmup-start-2", "m-warmup-done", "m-infer-start-10"]
    t0, t1 = (int(line.removeprefix("m-lap-us-")) for line in infer[3:5])
    assert t1 > t0 and infer[5] == "m-infer-done"
    assert infer[6] == run["results"][0] and infer[6].startswith("m-results-[")
    raw = bytes.fromhex(run["results-raw"][0].removeprefix("m-results-raw-[").rstrip("]"))
    assert np.array_equal(np.frombuffer(raw, np.int8), reference)
    assert run["errors"] == [
        ["e-[Unknown command: bogus thing]"],
        ["e-[Invalid hex digit '0g']"],
        ["e-[Insufficient number of hex digits]"],
        ["e-[Command 'db load' must be >0 bytes]"],
        [run["errors"][4][0]],
        ["e-[Command too long: max 80 characters]"],
    ]
    assert re.fullmatch(
        r"e-\[Supplied buffer size 999999999 exceeds maximum of \d+\]", run["errors"][4][0]
    )
    assert run["after"] == ["m-name-dut-[joulefarm]"]
    again = _session(art, blob, x)
    assert again["cycles"] == run["cycles"] and again["results-raw"] == run["results-raw"]


def test_dsp_version_bit_exact_on_m4(build_cache: Path, model) -> None:
    blob, x, reference = model
    art = build_firmware(HARNESS, "1.1", "mps2_an386", cache_dir=build_cache, builder="host")
    run = _session(art, blob, x)
    assert "kernels=cortex-m-dsp" in run["farm-info"][0]
    raw = bytes.fromhex(run["results-raw"][0].removeprefix("m-results-raw-[").rstrip("]"))
    assert np.array_equal(np.frombuffer(raw, np.int8), reference)


def test_boots_without_model(build_cache: Path) -> None:
    art = build_firmware(HARNESS, "1.0", "mps2_an386", cache_dir=build_cache, builder="host")
    with Twin("mps2-an386", art.elf) as twin:
        assert twin.cmd("profile")[1] == "m-model-[none]"
        assert "model=none model_status=bad-magic" in twin.cmd("farm-info")[0]
        assert twin.cmd("infer 1 1")[0].startswith("e-[No model in the model region (bad-magic)")
        assert twin.cmd("results-raw")[0].startswith("e-[")
        assert twin.cmd("name") == ["m-name-dut-[joulefarm]"]


def test_hang_fault_firmware_stops_answering(build_cache: Path, model) -> None:
    blob, x, _ = model
    recipe = REPO / "testing" / "data" / "firmware" / "hang" / "recipe.yaml"
    art = build_firmware(recipe, "1.0-hang5", "mps2_an386", cache_dir=build_cache, builder="host")
    with Twin("mps2-an386", art.elf, blob, art.model_region_addr) as twin:
        twin.load(x.tobytes())
        # 2 warm-ups + 2 timed + 1 untimed rerun for m-results (this model's arena reuses the
        # input tensor) = inferences 1-5
        assert twin.cmd("infer 2 2")[-1].startswith("m-results-[")
        twin.sock.settimeout(2)
        with pytest.raises(socket.timeout):
            twin.cmd("infer 1 0")  # the 6th never returns


def test_energy_mode_banner_and_silent_timestamps(build_cache: Path, model) -> None:
    blob, x, reference = model
    recipe = REPO / "testing" / "data" / "firmware" / "energy" / "recipe.yaml"
    art = build_firmware(recipe, "1.1-energy", "mps2_an386", cache_dir=build_cache, builder="host")
    with Twin("mps2-an386", art.elf, blob, art.model_region_addr) as twin:
        assert twin.banner == ["m-timestamp-mode-energy", "m-init-done"]
        assert twin.cmd("timestamp") == []  # a GPIO pulse, no text
        assert "mode=energy" in twin.cmd("farm-info")[0]
        twin.load(x.tobytes())
        infer = twin.cmd("infer 2 1")
        assert infer[:4] == ["m-warmup-start-1", "m-warmup-done", "m-infer-start-2", "m-infer-done"]
        raw = twin.cmd("results-raw")[0].removeprefix("m-results-raw-[").rstrip("]")
        assert np.array_equal(np.frombuffer(bytes.fromhex(raw), np.int8), reference)
