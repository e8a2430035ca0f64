"""NucleoBoard.prepare end to end: software probe for flashing, a scripted UART peer as console.

The peer answers ``farm-info%`` like the harness does; when it reports the image's build id,
only the model region is written (no re-flash), as on a lab board that already runs the image.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from farm.catalog import Catalog
from farm.devices.nucleo import NucleoBoard
from farm.devices.protocols import FirmwareFiles
from farm.devices.registry import open_board
from farm.inventory import BoardConfig

from .swprobe.probe import SoftwareProbe, install

REGION = 0x0810_0000


@dataclass(frozen=True)
class Built(FirmwareFiles):
    build_id: str = "b1d0"


class HarnessConsole:
    """A console peer answering like the harness running build ``build``.

    ``boot()`` prints the boot banner, as the firmware does when the core leaves reset.
    """

    def __init__(self, build: str) -> None:
        self.build = build
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"socket://127.0.0.1:{self._server.getsockname()[1]}"
        self._conn: socket.socket | None = None
        self._connected = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def boot(self) -> None:
        if self._connected.wait(5) and self._conn is not None:
            self._conn.sendall(b"m-timestamp-mode-performance\r\nm-init-done\r\nm-ready\r\n")

    def _run(self) -> None:
        conn, _ = self._server.accept()
        self._conn = conn
        self._connected.set()
        build = self.build
        with conn:
            pending = b""
            while data := conn.recv(4096):
                pending += data
                while b"%" in pending:
                    raw, pending = pending.split(b"%", 1)
                    answer = {
                        b"farm-info": f"m-farm-info-[fw=joulefarm-harness build={build}]\r\n",
                        b"name": "m-name-dut-[joulefarm]\r\n",
                    }.get(raw, f"e-[Unknown command: {raw.decode()}]\r\n")
                    conn.sendall((answer + "m-ready\r\n").encode())
        self._server.close()


@pytest.fixture
def image(tmp_path: Path) -> Iterator[Built]:
    install()
    path = tmp_path / "fw.bin"
    path.write_bytes(os.urandom(4096))
    yield Built(path, path, "c0ffee" * 10 + "abcd", REGION, 65536, 0x0800_0000)
    SoftwareProbe.detach("SWP0002")


def board_with_console(tmp_path: Path, url: str) -> NucleoBoard:
    config = BoardConfig.model_validate(
        {"id": "f767-01", "target": "NUCLEO_F767ZI", "backend": "pyocd",
         "probe": {"uid": "SWP0002"}, "console": {"url": url}}
    )  # fmt: skip
    board = open_board(
        config, Catalog.load().get("NUCLEO_F767ZI"), workdir=tmp_path, log_path=tmp_path / "c.log"
    )
    assert isinstance(board, NucleoBoard)
    return board


@pytest.mark.parametrize(("running", "flashed"), [("b1d0", False), ("0ld", True)])
def test_prepare_flashes_only_when_another_build_runs(
    tmp_path: Path, image: Built, running: str, flashed: bool
) -> None:
    chip = SoftwareProbe.attach("SWP0002", "stm32f767zi")
    console = HarnessConsole(running)
    chip.on_reset.append(console.boot)  # the wire between the MCU and its UART
    blob = os.urandom(2048)
    with board_with_console(tmp_path, console.url) as board:
        report = board.prepare(image, blob)
        assert report.flashed is flashed and report.model_bytes == 2048
        assert chip.read(REGION, 2048) == blob
        image_now = chip.read(0x0800_0000, 4096)
        assert (image_now == image.bin.read_bytes()) is flashed
        assert chip.reset_count >= 1 and not chip.halted
        assert board.dut().name() == "joulefarm"  # the session waited for the (re)boot first
    log_text = (tmp_path / "c.log").read_text()
    assert "< m-init-done" in log_text and "probing with name%" not in log_text
    assert "> farm-info%" in log_text and ("program image" in log_text) is flashed


def test_console_follows_the_image_baud(tmp_path: Path, image: Built) -> None:
    """An energy image built at 9600 baud (recipe console_baud) is talked to at 9600."""
    chip = SoftwareProbe.attach("SWP0002", "stm32f767zi")
    console = HarnessConsole("b1d0")
    chip.on_reset.append(console.boot)
    energy = Built(image.elf, image.bin, image.image_hash, REGION, 65536, console_baud=9600)
    with board_with_console(tmp_path, console.url) as board:
        assert board.console().baudrate == 115_200  # the inventory's rate before any image
        board.prepare(energy, b"")
        assert board.console().baudrate == 9600
        assert board.dut().name() == "joulefarm"
        board.prepare(image, b"")  # back to a performance image: the inventory's rate
        assert board.console().baudrate == 115_200
    assert "console: 115200 -> 9600 baud" in (tmp_path / "c.log").read_text()
