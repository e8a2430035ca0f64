"""Firmware with the model built in (recipe ``model: embedded``): the farm-written model.h is
``xxd -i`` of the model, the build key includes the model, one image per (version, target,
model) through the same cache; recipes that load a blob keep their keys."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import pytest

from farm.build import build_firmware
from farm.build.embedded_model import EmbeddedModel, write_model_files
from farm.build.recipe import load_recipe
from farm.compiler.model_compiler import compile_model
from farm.errors import RecipeError

from .conftest import HARNESS, REPO

EMBEDDED = REPO / "firmware" / "harness_embedded"
MBED = REPO / "firmware" / "legacy_mbed" / "mbed-recipe.yaml"
TWIN = "mps2_an386"


def _model(name: str) -> EmbeddedModel:
    path = REPO / "models" / f"{name}.tflite"
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return EmbeddedModel(name, path, sha, compile_model(path).blob)


def _array_bytes(text: str) -> bytes:
    body = text[text.index("{") + 1 : text.index("};")]
    return bytes(int(v, 16) for v in re.findall(r"0x([0-9a-f]{2})", body))


def test_model_h_holds_the_tflite_like_xxd(tmp_path: Path) -> None:
    model = _model("ad_fc_32")
    files = write_model_files(model, tmp_path)
    header = files["model_c"].read_text()
    data = model.tflite.read_bytes()
    assert _array_bytes(header) == data
    assert f"static const unsigned int model_tflite_len = {len(data)};" in header
    assert "model_tflite[] __attribute__((aligned(16)))" in header
    # The same numbers, in the same order and line layout, as xxd -i of the file.
    xxd = subprocess.run(["xxd", "-i", str(model.tflite)], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    assert _array_bytes(xxd) == data
    ours = [ln.strip() for ln in header.splitlines() if ln.strip().startswith("0x")]
    theirs = [ln.strip() for ln in xxd.splitlines() if ln.strip().startswith("0x")]
    assert [ln.rstrip(",") for ln in ours] == [ln.rstrip(",") for ln in theirs]
    assert _array_bytes(files["model_blob_c"].read_text()) == model.blob
    assert files["model_tflite"].read_bytes() == data
    # It is valid C: a host compiler accepts it and sees the right length.
    probe = tmp_path / "probe.c"
    probe.write_text(
        f'#include "{files["model_c"]}"\n'
        "int main(void) { return model_tflite_len == sizeof model_tflite ? 0 : 1; }\n"
    )
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Werror", "-o", tmp_path / "probe", probe],
                   check=True)  # fmt: skip
    assert subprocess.run([tmp_path / "probe"], check=False).returncode == 0


def test_one_image_per_model_through_the_cache(build_cache: Path) -> None:
    a, b = _model("ad_fc_32"), _model("ad_fc_64")
    first = build_firmware(EMBEDDED, "1.0", TWIN, cache_dir=build_cache, model=a)
    again = build_firmware(EMBEDDED, "1.0", TWIN, cache_dir=build_cache, model=a)
    other = build_firmware(EMBEDDED, "1.0", TWIN, cache_dir=build_cache, model=b)
    assert (first.cache, again.cache) == ("miss", "hit") and first.key == again.key
    assert other.cache == "miss" and other.key != first.key
    assert (first.model_name, first.model_sha256) == ("ad_fc_32", a.sha256)
    assert other.model_sha256 == b.sha256 and other.image_hash != first.image_hash
    # The model is in the image: the blob's bytes are in the .bin, with the kept model.h.
    assert a.blob in first.bin.read_bytes() and b.blob not in first.bin.read_bytes()
    assert (first.elf.parent / "model.h").is_file()
    # A blob-loading recipe ignores the model: same key as without it.
    plain = build_firmware(HARNESS, "1.0", TWIN, cache_dir=build_cache)
    with_model = build_firmware(HARNESS, "1.0", TWIN, cache_dir=build_cache, model=a)
    assert with_model.key == plain.key and with_model.cache == "hit"
    assert with_model.model_sha256 is None


def test_embedded_recipe_needs_a_model_and_model_placeholders(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="embeds the model"):
        build_firmware(EMBEDDED, "1.0", TWIN, cache_dir=tmp_path)
    recipe = (EMBEDDED / "recipe.yaml").read_text()
    folder = tmp_path / "repo" / "firmware" / "bad"
    folder.mkdir(parents=True)
    (tmp_path / "repo" / "pyproject.toml").write_text("")
    (folder / "recipe.yaml").write_text(recipe.replace(" MODEL_BLOB_C={model_blob_c}", ""))
    (tmp_path / "repo" / "firmware" / "harness").mkdir()
    with pytest.raises(RecipeError, match=r"model: embedded, but build.command uses none of"):
        load_recipe(folder / "recipe.yaml")
    (folder / "recipe.yaml").write_text(recipe.replace("model: embedded\n", ""))
    with pytest.raises(RecipeError, match=r"uses \{model_blob_c\} but the recipe does not embed"):
        load_recipe(folder / "recipe.yaml")


def test_mbed_recipe_copies_the_farm_written_model_h() -> None:
    recipe = load_recipe(MBED)
    assert recipe.model_in_image
    files = {"model_c": "/out/model/model.h", "model_tflite": "/out/model/kws.tflite",
             "model_blob_c": "/out/model/model_blob.h"}  # fmt: skip
    cmd = recipe.render_command(
        "2.3", "nucleo_l4r5zi", source="/src", out="/out", build_id="x", model_files=files
    )
    assert cmd.startswith(
        "cp -r /src/. /out/app && cp /out/model/model.h /out/app/model.h && cd /out/app && "
    )
    assert "mbedtools compile -m NUCLEO_L4R5ZI -t GCC_ARM -b release" in cmd
    with pytest.raises(RecipeError, match="embeds the model"):
        recipe.render_command("2.3", "nucleo_l4r5zi", source="/s", out="/o", build_id="x")
