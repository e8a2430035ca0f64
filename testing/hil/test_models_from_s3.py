"""The HIL suite with ``FARM_MODELS_DIR=s3://models/nightly`` (moto's S3 server over HTTP):
rows carry the object key and the sha256 of what was downloaded, a second run downloads
nothing, and a store that is down stops the run with exit 2 before any board is touched."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from testing.core.test_model_store import put
from testing.s3_server import S3Server

from .conftest import MODEL, REPO, MakeProject

URL = "s3://models/nightly"


@pytest.fixture
def s3() -> Iterator[S3Server]:
    server = S3Server(buckets=("models",))
    server.start()
    put(server, f"nightly/{MODEL}.tflite", (REPO / "models" / f"{MODEL}.tflite").read_bytes())
    yield server
    server.stop()


def _s3_env(s3: S3Server) -> dict[str, str]:
    keys = ("FARM_S3_ENDPOINT", "FARM_S3_ACCESS_KEY", "FARM_S3_SECRET_KEY", "FARM_S3_SECURE",
            "FARM_S3_REGION", "FARM_STORE_CONFIG")  # fmt: skip
    env = s3.env()
    return {k: env[k] for k in keys} | {"FARM_MODELS_DIR": URL}


@pytest.mark.slow
def test_models_from_s3_run_on_a_twin_and_are_fetched_once(
    hil_project: MakeProject, s3: S3Server, tmp_path
) -> None:
    project = hil_project(["NUCLEO_L476RG"])
    board = next(iter(project.boards))
    test_id = project.node_id(board, "joulefarm-harness@1.0")
    env = _s3_env(s3) | {"FARM_CACHE_DIR": str(tmp_path / "cache")}
    # The firmware image comes from the shared build cache: only the models cache is fresh.
    env["FARM_CACHE_DIR"] = str(tmp_path / "cache")
    first = project.run(test_id, **env)
    assert first.returncode == 0, first.output
    assert f"farm: models {URL}: 1 files; downloaded 1" in first.output
    row = first.row(test_id)
    want = hashlib.sha256((REPO / "models" / f"{MODEL}.tflite").read_bytes()).hexdigest()
    assert row["outcome"] == "passed" and row["outputs_bit_exact"] is True, row
    assert row["model_source"] == f"{URL}/{MODEL}.tflite"
    assert row["model_sha256"] == want
    second = project.run(test_id, **env)
    assert second.returncode == 0, second.output
    assert f"farm: models {URL}: 1 files; downloaded 0 (0 B), unchanged 1" in second.output
    assert second.row(test_id)["model_sha256"] == want


@pytest.mark.slow
def test_store_down_is_one_error_naming_the_url_before_any_board(
    hil_project: MakeProject, s3: S3Server, tmp_path
) -> None:
    project = hil_project(["NUCLEO_L476RG"])
    env = _s3_env(s3) | {"FARM_CACHE_DIR": str(tmp_path / "cache")}
    s3.stop()
    proc = project.popen("-n", "2", str(REPO / "tests"), **env)
    out, _ = proc.communicate(timeout=120)
    text = out.decode(errors="replace")
    assert proc.returncode == 2, text
    # pytest shows its Exit once as a summary line; no collection error per module.
    named = f"farm: models '{URL}' (store http://127.0.0.1:{s3.port}): cannot list"
    assert sum(line.startswith(f"Exit: {named}") for line in text.splitlines()) == 1, text
    assert "ERROR" not in text and "Traceback" not in text, text
    assert not project.run_dirs() and not project.qemu_pids()
    assert not list((project.root / "locks").iterdir()), "a board lease was taken"


def test_missing_models_folder_stops_the_run(hil_project: MakeProject) -> None:
    project = hil_project(["NUCLEO_L476RG"])
    missing = project.root / "nonexistent"
    proc = project.popen("-n", "2", str(REPO / "tests"), FARM_MODELS_DIR=str(missing))
    out, _ = proc.communicate(timeout=120)
    text = out.decode(errors="replace")
    assert proc.returncode == 2, text
    assert f"Exit: farm: models '{missing}': no such folder; set --farm-models-dir" in text
    assert not project.run_dirs() and not project.qemu_pids()
