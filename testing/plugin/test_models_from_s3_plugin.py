"""A model that fails to download errors its own tests only: the others run, and the error
names the object (pytest in a subprocess on a project whose models are in moto's S3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testing.core.conftest import HARNESS, make_project
from testing.core.test_model_store import upload_zoo
from testing.plugin.conftest import argv_for_pytest, clean_env
from testing.s3_server import FailingGetProxy, S3Server

BOARD = "  - {id: l4r5-01, target: NUCLEO_L4R5ZI, backend: qemu}\n"
TESTS = """
def test_model(model, board_pool, firmware):
    assert model.path.is_file() and model.source.startswith("s3://models/nightly/")
"""


@pytest.fixture
def s3() -> Iterator[S3Server]:
    server = S3Server(buckets=("models",))
    server.start()
    upload_zoo(server)
    yield server
    server.stop()


def test_failed_download_errors_only_its_tests(s3: S3Server, tmp_path: Path) -> None:
    import subprocess

    make_project(tmp_path, BOARD, {}, HARNESS)
    (tmp_path / "test_lab.py").write_text(TESTS)
    proxy = FailingGetProxy(s3.port, "/kws_dscnn_16.tflite")
    env = {k: v for k, v in s3.env().items() if k.startswith("FARM_S3") or k == "FARM_STORE_CONFIG"}
    env |= {"FARM_S3_ENDPOINT": f"127.0.0.1:{proxy.port}", "FARM_MODELS_DIR": "s3://models/nightly",
            "FARM_CACHE_DIR": str(tmp_path / "cache")}  # fmt: skip
    try:
        done = subprocess.run(argv_for_pytest("-rA", "-p", "no:randomly"), cwd=tmp_path,
                              env=clean_env() | env, capture_output=True, text=True, timeout=120,
                              check=False)  # fmt: skip
    finally:
        proxy.stop()
    out = done.stdout
    assert "PASSED test_lab.py::test_model[ad_fc_32-l4r5-01-harness@1.0]" in out, out
    assert "PASSED test_lab.py::test_model[ad_fc_32-l4r5-01-harness@1.1]" in out
    assert "ERROR test_lab.py::test_model[kws_dscnn_16-l4r5-01-harness@1.0]" in out
    assert "model 's3://models/nightly/kws_dscnn_16.tflite': download failed" in out
    assert "2 passed, 2 errors" in out
    assert "farm: download failed: nightly/kws_dscnn_16.tflite" in out
