"""Figures of the device layer: QEMU twin start/reset, DUT round trips, input upload, pyocd
flashing through the software probe.

Run: ``.venv/bin/python testing/benchmarks/bench_devices.py [upload]`` (builds the harness for
mps2_an386 into a temporary directory first). ``upload`` runs only the input-upload figures:
ms per ``db`` chunk and KiB/s for a VWW-sized input (27,648 bytes), QEMU's host CPU while the
twin idles, and the instruction count of one KWS inference on two fresh twins (must be equal).
"""

from __future__ import annotations

import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _harness(out: Path) -> object:
    from farm.devices.protocols import FirmwareFiles

    subprocess.run(
        ["make", "-s", "-C", str(ROOT / "firmware/harness"), "BSP=mps2_an386", f"OUT={out}"],
        check=True,
        capture_output=True,
    )
    digest = hashlib.sha256((out / "firmware.bin").read_bytes()).hexdigest()
    return FirmwareFiles(out / "firmware.elf", out / "firmware.bin", digest, 0x40000, 3840 * 1024)


def bench_twin(work: Path) -> None:
    from farm.catalog import Catalog
    from farm.devices.registry import open_board
    from farm.inventory import BoardConfig

    image = _harness(work / "fw")
    config = BoardConfig(id="bench-twin", target="NUCLEO_L4R5ZI", backend="qemu")
    board = open_board(
        config, Catalog.load().get(config.target), workdir=work, log_path=work / "c.log"
    )
    with board:
        starts = []
        for _ in range(5):
            t0 = time.perf_counter()
            board.prepare(image, b"")  # type: ignore[arg-type]
            board.dut().name()
            starts.append(time.perf_counter() - t0)
        print(f"twin start to first answer: median {statistics.median(starts) * 1e3:.1f} ms")
        resets = []
        for _ in range(5):
            t0 = time.perf_counter()
            board.reset()
            board.dut().name()
            resets.append(time.perf_counter() - t0)
        print(
            f"twin reset (QEMU restart) to first answer: median {statistics.median(resets) * 1e3:.1f} ms"
        )
        dut = board.dut()
        t0 = time.perf_counter()
        for _ in range(50):
            dut.name()
        print(f"DUT round trip (name%): {(time.perf_counter() - t0) / 50 * 1e3:.2f} ms")
        data = os.urandom(3920)  # blocked by the harness (no model) only at infer time
        t0 = time.perf_counter()
        try:
            dut.load_input(data)
        except Exception as exc:  # the stub runtime may refuse; report, do not hide
            print(f"input upload: refused by firmware ({exc.__class__.__name__})")
        else:
            seconds = time.perf_counter() - t0
            print(f"input upload (db chunks of 31 B): {len(data) / seconds / 1024:.1f} KiB/s")


VWW_INPUT_BYTES = 96 * 96 * 3


def _qemu_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_upload(work: Path) -> None:
    from farm.catalog import Catalog
    from farm.compiler.model_compiler import compile_model
    from farm.devices.dut import DB_CHUNK_BYTES
    from farm.devices.registry import open_board
    from farm.inventory import BoardConfig

    image = _harness(work / "fw")
    blob = compile_model(ROOT / "models" / "kws_dscnn_16.tflite").blob
    kws_input = bytes((i * 37) % 256 for i in range(490))
    config = BoardConfig(id="bench-upload", target="NUCLEO_L4R5ZI", backend="qemu")
    target = Catalog.load().get(config.target)
    cycles = []
    for run in range(2):
        board = open_board(config, target, workdir=work / f"u{run}", log_path=work / f"u{run}.log")
        with board:
            board.prepare(image, blob)  # type: ignore[arg-type]
            dut = board.dut()
            dut.name()
            if run == 0:
                pid = board.pid  # type: ignore[attr-defined]
                time.sleep(0.5)
                cpu0, t0 = _qemu_cpu_s(pid), time.perf_counter()
                time.sleep(3.0)
                idle = (_qemu_cpu_s(pid) - cpu0) / (time.perf_counter() - t0)
                print(f"idle twin: QEMU uses {idle * 100:.1f} % of one core")
                data = os.urandom(VWW_INPUT_BYTES)
                chunks = -(-len(data) // DB_CHUNK_BYTES)
                for attempt in range(2):
                    cpu0, t0 = _qemu_cpu_s(pid), time.perf_counter()
                    dut.load_input(data)
                    seconds = time.perf_counter() - t0
                    cpu = _qemu_cpu_s(pid) - cpu0
                    print(
                        f"upload {len(data)} B ({chunks} db chunks): {seconds:.2f} s, "
                        f"{seconds / chunks * 1e3:.2f} ms/chunk, "
                        f"{len(data) / seconds / 1024:.1f} KiB/s, QEMU CPU {cpu:.2f} s "
                        f"(attempt {attempt + 1}, load {os.getloadavg()[0]:.1f})"
                    )
            dut.load_input(kws_input)
            cycles.append(dut.infer(2, 1).cycles)
    same = "identical" if cycles[0] == cycles[1] else "DIFFERENT"
    print(f"KWS infer 2 1 on two fresh twins: cycles {cycles[0]} / {cycles[1]} ({same})")


def bench_swprobe(work: Path) -> None:
    sys.path.insert(0, str(ROOT / "testing"))
    from devices.swprobe.probe import SoftwareProbe, install

    from farm.catalog import Catalog
    from farm.devices.protocols import FirmwareFiles
    from farm.devices.registry import open_board
    from farm.inventory import BoardConfig

    install()
    for target, pyocd_target in (
        ("NUCLEO_F767ZI", "stm32f767zi"),
        ("NUCLEO_L476RG", "stm32l475xg"),
    ):
        SoftwareProbe.attach("BENCH01", pyocd_target)
        config = BoardConfig.model_validate(
            {"id": "bench-nucleo", "target": target, "backend": "pyocd",
             "probe": {"uid": "BENCH01", "pyocd_target": pyocd_target}}
        )  # fmt: skip
        board = open_board(
            config, Catalog.load().get(target), workdir=work, log_path=work / "n.log"
        )
        path = work / "img.bin"
        path.write_bytes(os.urandom(128 * 1024))
        image = FirmwareFiles(path, path, "0" * 64, 0x0808_0000, 65536)
        t0 = time.perf_counter()
        board.flash_image(image)  # type: ignore[attr-defined]
        seconds = time.perf_counter() - t0
        print(
            f"swprobe {pyocd_target}: 128 KiB image in {seconds:.2f} s (connect + erase + program)"
        )
        SoftwareProbe.detach("BENCH01")
        board.close()


def main() -> None:
    """Print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        bench_upload(Path(tmp) / "upload")
        if sys.argv[1:] == ["upload"]:
            return
        bench_twin(Path(tmp) / "twin")
        bench_swprobe(Path(tmp))


if __name__ == "__main__":
    main()
