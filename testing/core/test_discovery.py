"""Models and firmware discovery."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from farm.discovery import ModelFormat, discover_firmware, discover_models, read_recipe
from farm.errors import RecipeError
from testing.core.conftest import HARNESS, THREE_MODELS, make_project


def test_models_with_metadata(tmp_path: Path) -> None:
    make_project(tmp_path, "", THREE_MODELS)
    (tmp_path / "models" / "README.md").write_text("not a model")
    models = {m.key: m for m in discover_models(tmp_path / "models")}
    assert sorted(models) == ["ad.onnx", "kws_s", "vww_big"]
    assert models["ad.onnx"].format is ModelFormat.ONNX
    assert models["vww_big"].blob_bytes == 400_000 and models["vww_big"].metadata["task"] == "kws"
    assert models["kws_s"].metadata == {} and models["kws_s"].arena_bytes is None
    data = (tmp_path / "models" / "kws_s.tflite").read_bytes()
    assert models["kws_s"].sha256 == hashlib.sha256(data).hexdigest()


def test_missing_dirs_are_empty(tmp_path: Path) -> None:
    assert discover_models(tmp_path / "nope") == []
    assert discover_firmware(tmp_path / "nope") == []


def test_firmware_versions_and_cores(tmp_path: Path) -> None:
    make_project(
        tmp_path, "", firmware=HARNESS | {"tiny": "versions: [2.0]\ntargets: [NUCLEO_G431RB]\n"}
    )
    found = [f.key for f in discover_firmware(tmp_path / "firmware")]
    assert found == ["harness@1.0", "harness@1.1", "tiny@2.0"]
    harness = discover_firmware(tmp_path / "firmware")[0]
    assert harness.supports("NUCLEO_L476RG", "cortex-m4f")  # loose core names
    assert not harness.supports("RPI4", "cortex-a72")
    tiny = discover_firmware(tmp_path / "firmware")[2]
    assert tiny.supports("NUCLEO_G431RB", "cortex-m4f") and not tiny.supports("RPI5", "cortex-a76")


def test_recipe_without_versions(tmp_path: Path) -> None:
    make_project(tmp_path, "", firmware={"bad": "name: bad\n"})
    with pytest.raises(RecipeError, match="recipe 'bad': versions missing"):
        read_recipe(tmp_path / "firmware" / "bad" / "recipe.yaml")
