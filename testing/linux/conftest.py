"""Fixtures: virtual Linux boards (real SSH servers on 127.0.0.1) and tiny models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from farm.virtual.ssh_server import VirtualSshServer, start_virtual_linux_board
from testing.linux.tiny_models import build_float_fc_onnx, build_int8_fc_tflite
from testing.linux.twins import JETSON_MODEL, PI_MODEL


@pytest.fixture(scope="module")
def jetson(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtualSshServer]:
    """Jetson twin: INA3221 fake sysfs following JETSON_MODEL."""
    sandbox = tmp_path_factory.mktemp("boards") / "jetson-twin"
    with start_virtual_linux_board("jetson-twin", sandbox, power_model=JETSON_MODEL) as server:
        yield server


@pytest.fixture(scope="module")
def pi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtualSshServer]:
    """Pi twin: external power command printing watts from PI_MODEL."""
    sandbox = tmp_path_factory.mktemp("boards") / "pi-twin"
    with start_virtual_linux_board("pi-twin", sandbox, power_model=PI_MODEL,
                                   power_kind="external") as server:  # fmt: skip
        yield server


@pytest.fixture(scope="session")
def tflite_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_int8_fc_tflite(tmp_path_factory.mktemp("models") / "tiny_fc_int8.tflite")


@pytest.fixture(scope="session")
def onnx_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_float_fc_onnx(tmp_path_factory.mktemp("models") / "tiny_fc.onnx")
