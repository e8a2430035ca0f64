"""The committed zoo is exactly what models/build_zoo.py generates (no stale files)."""

from __future__ import annotations

from pathlib import Path

import build_zoo
import pytest
import yaml
from zoo import manifest as zoo_manifest
from zoo.catalog import ZOO


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("zoo")
    assert build_zoo.main(["--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("suffix", [".tflite", ".onnx"])
def test_regenerated_files_are_byte_identical(rebuilt: Path, models_dir: Path, suffix: str) -> None:
    for model in ZOO:
        fresh = (rebuilt / model.name).with_suffix(suffix).read_bytes()
        committed = (models_dir / model.name).with_suffix(suffix).read_bytes()
        assert fresh == committed, f"{model.name}{suffix} is stale: run models/build_zoo.py"


def test_regenerated_manifest_matches(rebuilt: Path, manifest: dict[str, dict]) -> None:
    fresh = yaml.safe_load((rebuilt / "models.yaml").read_text())
    assert list(fresh) == list(manifest)
    for name, entry in fresh.items():
        committed = {k: v for k, v in manifest[name].items() if k in zoo_manifest.GENERATED_KEYS}
        assert entry == committed, name


def test_second_build_is_identical(rebuilt: Path, tmp_path: Path) -> None:
    # Two builds in one process must not share state (RNG, counters) either.
    assert build_zoo.main(["--out", str(tmp_path), "--only", "kws_mix_16", "ad_fc_32"]) == 0
    for name in ("kws_mix_16.tflite", "ad_fc_32.tflite", "kws_mix_16.onnx"):
        assert (tmp_path / name).read_bytes() == (rebuilt / name).read_bytes()


def test_manifest_keeps_keys_added_by_other_tools(rebuilt: Path, tmp_path: Path) -> None:
    path = tmp_path / "models.yaml"
    entries = yaml.safe_load((rebuilt / "models.yaml").read_text())
    entries["ad_fc_32"]["blob_bytes"] = 1234
    path.write_text(yaml.safe_dump(entries, sort_keys=False))
    zoo_manifest.write(
        path, {k: {g: v[g] for g in zoo_manifest.GENERATED_KEYS} for k, v in entries.items()}
    )
    assert yaml.safe_load(path.read_text())["ad_fc_32"]["blob_bytes"] == 1234
