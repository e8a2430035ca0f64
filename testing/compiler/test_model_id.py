"""The blob's model id: what profile% reports (MLPerf Tiny's runner picks its test by it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from farm.compiler.blob_format import model_id_problem
from farm.compiler.host_runtime import HostModel
from farm.compiler.model_compiler import compile_model
from farm.discovery import discover_models
from farm.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "models" / "kws_dscnn_16.tflite"


def _blob_id(blob: bytes) -> bytes:
    return HostModel(blob).info.model_id


def test_default_is_the_stem_and_the_option_replaces_it() -> None:
    assert _blob_id(compile_model(MODEL).blob) == b"kws_dscnn_16"
    plain, named = compile_model(MODEL).blob, compile_model(MODEL, model_id="kws01").blob
    assert _blob_id(named) == b"kws01"
    assert plain[128:] == named[128:]  # only the header differs: same model, same hash


@pytest.mark.parametrize("bad", ["", "kws01]", "has space", "x" * 24, "%kws", "-x"])
def test_ids_the_blob_or_a_host_cannot_carry_are_refused(bad: str) -> None:
    assert model_id_problem(bad) is not None
    with pytest.raises(ValueError, match="model id"):
        compile_model(MODEL, model_id=bad)


def test_cli_compile_with_model_id(tmp_path: Path) -> None:
    out = tmp_path / "m.blob"
    ok = subprocess.run(
        [sys.executable, "-m", "farm.cli", "model", "compile", str(MODEL), "-o", str(out),
         "--model-id", "kws01"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert _blob_id(out.read_bytes()) == b"kws01"
    bad = subprocess.run(
        [sys.executable, "-m", "farm.cli", "model", "compile", str(MODEL), "-o", str(out),
         "--model-id", "kws 01"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "option '--model-id': 'kws 01' may hold only letters" in bad.stderr


def test_zoo_gives_the_mlperf_ids() -> None:
    ids = {m.name: m.model_id for m in discover_models(REPO / "models") if m.key == m.name}
    assert ids["kws_dscnn_64"] == "kws01" and ids["vww_mbv1_025"] == "vww01"
    assert ids["ic_resnet8_16"] == "ic01" and ids["ad_fc_128"] == "ad01"
    assert ids["kws_dscnn_16"] is None  # the stem


def test_bad_model_id_in_models_yaml_names_file_and_field(tmp_path: Path) -> None:
    (tmp_path / "m.tflite").write_bytes(MODEL.read_bytes())
    (tmp_path / "models.yaml").write_text("m:\n  model_id: 'kws 01'\n")
    with pytest.raises(ConfigError) as info:
        discover_models(tmp_path)
    assert info.value.field == "m.model_id" and info.value.path == tmp_path / "models.yaml"
    assert "model 'm': model_id 'kws 01' may hold only" in str(info.value)
