"""Models from an S3 bucket (moto's S3 server over HTTP, the minio SDK as in the lab): fetched
once, cached by ETag and sha256, models.yaml honoured, sources recorded; clear errors."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from farm.errors import ModelSourceError
from farm.model_store import find_models
from farm.s3_connection import S3Location
from testing.s3_server import S3Server

REPO = Path(__file__).resolve().parents[2]
ZOO = REPO / "models"
MODELS = ("ad_fc_32", "kws_dscnn_16")
FARM = [sys.executable, "-m", "farm.cli"]


def put(server: S3Server, key: str, data: bytes, bucket: str = "models") -> None:
    server.client().put_object(bucket, key, io.BytesIO(data), length=len(data))


def upload_zoo(server: S3Server, prefix: str = "nightly", bucket: str = "models") -> None:
    meta = yaml.safe_load((ZOO / "models.yaml").read_text())
    for name in MODELS:
        put(server, f"{prefix}/{name}.tflite", (ZOO / f"{name}.tflite").read_bytes(), bucket)
    subset = {name: meta[name] for name in MODELS}
    put(server, f"{prefix}/models.yaml", yaml.safe_dump(subset).encode(), bucket)
    # Not a model, and not directly under the prefix: both ignored, as in a folder.
    put(server, f"{prefix}/README.md", b"nightly export", bucket)
    put(server, f"{prefix}/old/ad_fc_64.tflite", (ZOO / "ad_fc_64.tflite").read_bytes(), bucket)


@pytest.fixture
def s3() -> Iterator[S3Server]:
    server = S3Server(buckets=("models", "farm"))
    server.start()
    yield server
    server.stop()


def test_second_fetch_downloads_nothing_unchanged(s3: S3Server, tmp_path: Path) -> None:
    upload_zoo(s3)
    cold = find_models(S3Location.parse("s3://models/nightly"), tmp_path, s3.env())
    assert [m.name for m in cold.models] == list(MODELS)
    assert (cold.downloaded, cold.unchanged, cold.failed) == (3, 0, [])  # 2 models + models.yaml
    for spec in cold.models:
        local = (ZOO / f"{spec.name}.tflite").read_bytes()
        assert spec.sha256 == hashlib.sha256(local).hexdigest()
        assert spec.path.read_bytes() == local and spec.path.name == f"{spec.name}.tflite"
        assert spec.source == f"s3://models/nightly/{spec.name}.tflite"
        assert spec.source_version is None  # bucket not versioned
        # models.yaml next to the models is honoured (the matrix's fit checks read it).
        assert spec.blob_bytes is not None and spec.metadata["task"] in ("ad", "kws")
    warm = find_models(S3Location.parse("s3://models/nightly/"), tmp_path, s3.env())
    assert (warm.downloaded, warm.unchanged) == (0, 3)
    assert "downloaded 0 (0 B), unchanged 3" in warm.summary()
    assert [m.sha256 for m in warm.models] == [m.sha256 for m in cold.models]

    # A changed object (new ETag) is downloaded again; the others stay.
    put(s3, "nightly/ad_fc_32.tflite", (ZOO / "ad_fc_128.tflite").read_bytes())
    third = find_models(S3Location.parse("s3://models/nightly"), tmp_path, s3.env())
    assert (third.downloaded, third.unchanged) == (1, 2)
    changed = next(m for m in third.models if m.name == "ad_fc_32")
    assert changed.sha256 == hashlib.sha256((ZOO / "ad_fc_128.tflite").read_bytes()).hexdigest()

    # A cached file edited behind the farm's back fails its sha256 and is fetched again.
    kws = next(m for m in third.models if m.name == "kws_dscnn_16")
    kws.path.write_bytes(b"corrupt")
    fourth = find_models(S3Location.parse("s3://models/nightly"), tmp_path, s3.env())
    assert (fourth.downloaded, fourth.unchanged) == (1, 2)
    assert next(m for m in fourth.models if m.name == "kws_dscnn_16").sha256 == kws.sha256


def test_versioned_bucket_records_the_version_id(s3: S3Server, tmp_path: Path) -> None:
    from minio.versioningconfig import ENABLED, VersioningConfig

    s3.client().set_bucket_versioning("models", VersioningConfig(ENABLED))
    upload_zoo(s3)
    put(s3, "nightly/ad_fc_32.tflite", (ZOO / "ad_fc_128.tflite").read_bytes())  # 2nd version
    found = find_models(S3Location.parse("s3://models/nightly"), tmp_path, s3.env())
    latest = s3.client().stat_object("models", "nightly/ad_fc_32.tflite")
    spec = next(m for m in found.models if m.name == "ad_fc_32")
    assert spec.source_version == latest.version_id and latest.version_id not in (None, "null")
    assert spec.sha256 == hashlib.sha256((ZOO / "ad_fc_128.tflite").read_bytes()).hexdigest()
    assert len(found.models) == 2


def test_missing_bucket_empty_prefix_and_store_down_are_clear_errors(
    s3: S3Server, tmp_path: Path
) -> None:
    upload_zoo(s3)
    with pytest.raises(ModelSourceError, match=r"models 's3://nosuch/nightly'.*bucket 'nosuch'"):
        find_models(S3Location.parse("s3://nosuch/nightly"), tmp_path, s3.env())
    with pytest.raises(ModelSourceError, match=r"models 's3://models/typo': no .tflite"):
        find_models(S3Location.parse("s3://models/typo"), tmp_path, s3.env())
    env = s3.env()
    s3.stop()
    with pytest.raises(ModelSourceError) as down:
        find_models(S3Location.parse("s3://models/nightly"), tmp_path, env)
    assert f"models 's3://models/nightly' (store http://127.0.0.1:{s3.port})" in str(down.value)
    assert "cannot list" in str(down.value)


def test_missing_or_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ModelSourceError, match="no such folder"):
        find_models(tmp_path / "nonexistent", tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelSourceError, match="no .tflite or .onnx file"):
        find_models(tmp_path / "empty", tmp_path)


def test_no_endpoint_configured_names_the_settings(tmp_path: Path) -> None:
    env = {"FARM_STORE_CONFIG": str(tmp_path / "none.toml")}
    with pytest.raises(Exception, match="FARM_S3_ENDPOINT"):
        find_models(S3Location.parse("s3://models/nightly"), tmp_path, env)


def _matrix(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FARM, "matrix", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip


def test_farm_matrix_refuses_empty_model_sources(s3: S3Server, tmp_path: Path) -> None:
    env = {**s3.env(), "FARM_CACHE_DIR": str(tmp_path / "cache")}
    missing = _matrix({**env, "FARM_MODELS_DIR": "/nonexistent"})
    assert missing.returncode == 2, missing.stdout
    assert "models '/nonexistent': no such folder" in missing.stderr
    empty = _matrix({**env, "FARM_MODELS_DIR": "s3://models/nightly"})
    assert empty.returncode == 2 and "no .tflite or .onnx file" in empty.stderr
    upload_zoo(s3)
    ok = _matrix(env, "--models-dir", "s3://models/nightly", "--boards", "l4r5-twin-1")
    assert ok.returncode == 0, ok.stderr
    assert "models s3://models/nightly: 2 files; downloaded 3" in ok.stdout
    assert "ad_fc_32-l4r5-twin-1-joulefarm-harness@1.0" in ok.stdout


def test_a_model_that_fails_to_download_is_an_error_for_itself_only(
    s3: S3Server, tmp_path: Path
) -> None:
    from testing.s3_server import FailingGetProxy

    upload_zoo(s3)
    proxy = FailingGetProxy(s3.port, "/kws_dscnn_16.tflite")
    try:
        env = {**s3.env(), "FARM_S3_ENDPOINT": f"127.0.0.1:{proxy.port}"}
        found = find_models(S3Location.parse("s3://models/nightly"), tmp_path, env)
    finally:
        proxy.stop()
    assert found.failed == ["nightly/kws_dscnn_16.tflite"] and found.downloaded == 2
    good, bad = found.models
    assert good.fetch_error is None and good.path.is_file()
    assert bad.name == "kws_dscnn_16" and not bad.path.exists()
    assert bad.fetch_error is not None
    assert "model 's3://models/nightly/kws_dscnn_16.tflite': download failed" in bad.fetch_error
    assert "InternalError" in bad.fetch_error
    # Nothing half-written stays in the cache; the next run fetches only the missing model.
    assert not list((tmp_path / "models" / "objects").glob(".partial-*"))
    again = find_models(S3Location.parse("s3://models/nightly"), tmp_path, s3.env())
    assert (again.downloaded, again.unchanged, again.failed) == (1, 2, [])
