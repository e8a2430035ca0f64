"""farm push: idempotent, resumable, loud when the store is down (moto S3 over HTTP)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from farm.results.exitcodes import FarmExitCode
from farm.results.merge import merge_run
from farm.results.push import RUNS_JSON, run_files
from testing.s3_server import S3Server

FARM = [sys.executable, "-m", "farm.cli"]
RUN = "20261122T010000Z-bbbbbb"


@pytest.fixture
def s3() -> Iterator[S3Server]:
    server = S3Server()
    server.start()
    yield server
    server.stop()


def _push(env: dict[str, str], run_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FARM, "push", str(run_dir)], env=env, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip


@pytest.fixture
def run_dir(make_run, tmp_path: Path) -> Path:
    path = make_run(RUN, n_rows=12)
    merge_run(path)  # plots and pages are covered elsewhere; push only needs files
    (path / "index.html").write_text("<!doctype html><title>run</title>")
    return path


def test_second_push_uploads_nothing(s3: S3Server, run_dir: Path, tmp_path: Path) -> None:
    first = _push(s3.env(), run_dir)
    assert first.returncode == 0, first.stderr
    n_files = len(run_files(run_dir))
    assert f"uploaded {n_files}, unchanged 0; run index updated" in first.stdout
    assert set(run_files(run_dir)) | {RUNS_JSON, "index.html"} <= s3.keys()
    second = _push(s3.env(), run_dir)
    assert second.returncode == 0, second.stderr
    assert f"uploaded 0, unchanged {n_files}" in second.stdout
    assert "index updated" not in second.stdout
    # Trend pages read the runs back from the bucket.
    from farm.results.s3 import S3Store
    from farm.results.trends import build_trends
    from farm.store_config import load_store_config

    store = S3Store(load_store_config(env=s3.env()))  # type: ignore[arg-type]
    page = build_trends(store, tmp_path / "trends")
    assert "1 run from" in page.read_text()


def test_store_down_fails_clearly_and_later_push_completes(s3: S3Server, run_dir: Path) -> None:
    env = s3.env()
    s3.stop()
    down = _push(env, run_dir)
    assert down.returncode == FarmExitCode.PUSH_INCOMPLETE
    n_files = len(run_files(run_dir))
    assert f"pending {n_files}" in down.stderr
    assert f"pending {RUN}/index.html" in down.stderr
    assert "farm push" in down.stderr and "Traceback" not in down.stderr
    s3.start()  # moto keeps state in-process: a fresh, empty server on the same port
    up = _push(env, run_dir)
    assert up.returncode == 0, up.stderr
    assert f"uploaded {n_files}" in up.stdout
    assert set(run_files(run_dir)) | {RUNS_JSON} <= s3.keys()
    body = s3.client().get_object("farm", f"lab/nightly/{RUN}/results.csv").read()
    assert body == (run_dir / "results.csv").read_bytes()


def test_push_resumes_after_interruption_mid_run(s3: S3Server, run_dir: Path) -> None:
    from farm.results.push import PushIncompleteError, PushManifest, push_run
    from farm.results.s3 import S3Store
    from farm.store_config import load_store_config

    store = S3Store(load_store_config(env=s3.env()))  # type: ignore[arg-type]
    real_put = store.put_file
    calls = {"n": 0}

    def flaky_put(key: str, path: Path, md5: str) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            s3.stop()  # the store really goes away, mid-push ...
            store.client._http.clear()  # ... and so do kept-alive connections to it
        real_put(key, path, md5)

    store.put_file = flaky_put  # type: ignore[method-assign]
    with pytest.raises(PushIncompleteError) as info:
        push_run(run_dir, store, workers=1)  # one at a time: the stop lands after 2 uploads
    assert len(info.value.result.uploaded) == 2
    assert len(PushManifest(run_dir, store.name).done) == 2
    n_files = len(run_files(run_dir))
    assert len(info.value.result.pending) == n_files - 2


def test_no_store_configured_is_a_config_error(run_dir: Path, tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("FARM_")}
    env["FARM_STORE_CONFIG"] = str(tmp_path / "missing.toml")
    done = _push(env, run_dir)
    assert done.returncode == 2
    assert "FARM_S3_ENDPOINT" in done.stderr and "Traceback" not in done.stderr


def test_local_store_push_and_trends(run_dir: Path, make_run, tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    older = make_run("20261121T010000Z-aaaaaa", n_rows=12)
    merge_run(older)
    for path in (older, run_dir):
        done = subprocess.run([*FARM, "push", str(path), "--store-dir", str(store)],
                              capture_output=True, text=True, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
    assert (store / RUNS_JSON).is_file() and (store / RUN / "index.html").is_file()
    out = tmp_path / "trends"
    done = subprocess.run([*FARM, "trends", "--store-dir", str(store), "--out", str(out)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    html = (out / "index.html").read_text()
    assert "2 runs" in html and '<svg class="spark"' in html
    # No store configured: the local reports root is the store.
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("FARM_S3")}
    env.update(FARM_STORE_CONFIG=str(tmp_path / "none.toml"),
               FARM_REPORTS_DIR=str(tmp_path / "reports"))  # fmt: skip
    env.pop("FARM_STORE_DIR", None)
    done = subprocess.run([*FARM, "trends"], env=env, capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "using the local runs" in done.stderr
    assert "2 runs" in (tmp_path / "reports" / "trends" / "index.html").read_text()
