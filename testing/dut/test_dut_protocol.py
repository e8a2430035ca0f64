"""DutSession against scripted answers: MLPerf Tiny reference transcript, extensions, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from farm.devices.console_log import ConsoleLog
from farm.devices.dut import (
    DutCommandError,
    DutSession,
    InferResult,
    parse_key_values,
    parse_results,
)
from farm.devices.socket_serial import open_socket_serial
from farm.errors import DutError, DutTimeoutError

from .scripted import ScriptedDut

BOOT = "m-timestamp-mode-performance\r\nm-lap-us-1234\r\nm-init-done\r\nm-ready\r\n"
KWS_RESULTS = "m-results-[0.000,0.003,0.000,0.761,0.000,0.000,0.000,0.000,0.000,0.000,0.234,0.000]"


def mlperf_reference(command: str) -> str | None:
    """The MLPerf Tiny reference firmware (no farm extensions), as in the spec's transcript."""
    if command == "name%":
        return "m-name-dut-[unspecified]\r\n"
    if command == "profile%":
        return "m-profile-[ULPMark for tinyML Firmware V0.0.1]\r\nm-model-[kws01]\r\n"
    if command.startswith("db load "):
        return f"m-[Expecting {command[8:-1]} bytes]\r\n"
    if command.startswith("db "):
        return "m-load-done\r\n" if len(command) < 62 + 4 else ""
    if command == "infer 100 1%":
        return (
            "m-warmup-start-1\r\nm-warmup-done\r\nm-infer-start-100\r\n"
            "m-lap-us-251222283\r\nm-lap-us-269414673\r\nm-infer-done\r\n" + KWS_RESULTS + "\r\n"
        )
    if command == "results%":
        return KWS_RESULTS + "\r\n"
    if command == "hang%":
        return None
    return f"e-[Unknown command: {command[:-1]}]\r\n"


@pytest.fixture
def log(tmp_path: Path) -> Iterator[ConsoleLog]:
    with ConsoleLog(tmp_path / "console.log") as console_log:
        yield console_log


def session(peer: ScriptedDut, log: ConsoleLog) -> DutSession:
    host, port = peer.url.removeprefix("socket://").split(":")
    stream = open_socket_serial(host, int(port))
    return DutSession(stream, console_log=log, board="kws-ref", timeout_s=1.0)


def test_reference_firmware_works_unchanged(log: ConsoleLog) -> None:
    peer = ScriptedDut(BOOT, mlperf_reference)
    dut = session(peer, log)
    assert "m-init-done" in dut.wait_boot()
    assert dut.name() == "unspecified"
    profile = dut.profile()
    assert profile.firmware == "ULPMark for tinyML Firmware V0.0.1" and profile.model == "kws01"
    assert dut.farm_info() is None and dut.results_raw() is None
    result = dut.infer(100, 1)
    assert result.t0_us == 251222283 and result.elapsed_us == 269414673 - 251222283
    assert result.us_per_inference == pytest.approx(181923.9)
    assert result.results[3] == pytest.approx(0.761) and len(result.results) == 12
    assert result.cycles is None
    assert dut.results() == result.results
    # Unknown extensions are asked once, then remembered.
    assert peer.commands.count("farm-info%") == 1 and peer.commands.count("cycles%") == 1
    dut.farm_info()
    assert peer.commands.count("farm-info%") == 1
    text = log.path.read_text()
    assert "> infer 100 1%" in text and "< m-lap-us-269414673" in text


def test_input_goes_in_chunks_of_at_most_31_bytes(log: ConsoleLog) -> None:
    peer = ScriptedDut(BOOT, mlperf_reference)
    dut = session(peer, log)
    dut.wait_boot()
    data = bytes(range(70))
    dut.load_input(data)
    chunks = [c for c in peer.commands if c.startswith("db ") and not c.startswith("db load")]
    assert peer.commands[0] == "db load 70%"
    assert [len(c) for c in chunks] == [3 + 62 + 1, 3 + 62 + 1, 3 + 16 + 1]
    assert bytes.fromhex("".join(c[3:-1] for c in chunks)) == data


def test_timeout_names_the_console_log(log: ConsoleLog) -> None:
    peer = ScriptedDut(BOOT, mlperf_reference)
    dut = session(peer, log)
    dut.wait_boot()
    with pytest.raises(DutTimeoutError) as info:
        dut.command("hang%", timeout_s=0.3)
    assert str(log.path) in str(info.value) and info.value.board == "kws-ref"
    assert "timeout after 0.3 s" in log.path.read_text()


def test_error_lines_raise_with_the_device_text(log: ConsoleLog) -> None:
    peer = ScriptedDut(BOOT, mlperf_reference)
    dut = session(peer, log)
    dut.wait_boot()
    with pytest.raises(DutCommandError, match=r"e-\[Unknown command: frob\]") as info:
        dut.command("frob%")
    assert info.value.errors == ["e-[Unknown command: frob]"]
    assert dut.command("frob%", check=False) == ["e-[Unknown command: frob]"]


def test_farm_extensions_are_parsed(log: ConsoleLog) -> None:
    def harness(command: str) -> str | None:
        if command == "farm-info%":
            return "m-farm-info-[fw=joulefarm-harness version=1.0 build=ab12 clock_hz=25000000]\r\n"
        if command == "results-raw%":
            return "m-results-raw-[80ff007f]\r\n"
        if command == "cycles%":
            return "m-cycles-123456\r\n"
        if command == "infer 2 0%":
            return (
                "m-warmup-start-0\r\nm-warmup-done\r\nm-infer-start-2\r\n"
                "m-lap-us-4294967000\r\nm-lap-us-704\r\nm-infer-done\r\nm-results-[0.500,-1.000]\r\n"
            )
        return mlperf_reference(command)

    dut = session(ScriptedDut(BOOT, harness), log)
    dut.wait_boot()
    info = dut.farm_info()
    assert info == {
        "fw": "joulefarm-harness",
        "version": "1.0",
        "build": "ab12",
        "clock_hz": "25000000",
    }
    assert dut.results_raw() == bytes([0x80, 0xFF, 0x00, 0x7F])
    result = dut.infer(2, 0)
    assert result.elapsed_us == 1000 and result.us_per_inference == 500.0  # counter wrapped
    assert result.cycles == 123456 and result.results == [0.5, -1.0]


def test_console_opened_after_boot_is_probed_with_name(log: ConsoleLog) -> None:
    dut = session(ScriptedDut("", mlperf_reference), log)
    assert dut.wait_boot(timeout_s=0.2) == ["m-name-dut-[unspecified]"]


def test_malformed_infer_answer_is_a_dut_error(log: ConsoleLog) -> None:
    def broken(command: str) -> str | None:
        return "m-infer-done\r\n" if command.startswith("infer") else mlperf_reference(command)

    dut = session(ScriptedDut(BOOT, broken), log)
    dut.wait_boot()
    with pytest.raises(DutError, match="malformed infer answer"):
        dut.infer(1, 0)


def test_parsers() -> None:
    assert parse_results("m-results-[]") == []
    assert parse_results("m-results-[1.000,-0.250]") == [1.0, -0.25]
    with pytest.raises(ValueError):
        parse_results("m-result-[1]")
    assert parse_key_values(["m-farm-info-[a=1 b=x-y]", "k=v,"]) == {"a": "1", "b": "x-y", "k": "v"}
    energy = InferResult(n=5, warmup=0, t0_us=None, t1_us=None, results=[])
    assert energy.us_per_inference is None


def test_refusals_are_not_lab_failures(log: ConsoleLog) -> None:
    from farm.errors import InfraError

    dut = session(ScriptedDut(BOOT, mlperf_reference), log)
    dut.wait_boot()
    with pytest.raises(DutCommandError) as info:
        dut.command("frob%")
    assert not isinstance(info.value, InfraError) and info.value.board == "kws-ref"
