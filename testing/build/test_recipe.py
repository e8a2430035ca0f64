"""Recipe parsing, its errors, and command construction (harness and legacy Mbed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm.build.recipe import TargetNames, load_recipe
from farm.errors import RecipeError
from testing.build.conftest import HARNESS, REPO


def test_harness_recipe_has_two_real_versions() -> None:
    recipe = load_recipe(HARNESS / "recipe.yaml")
    assert recipe.name == "joulefarm-harness"
    assert list(recipe.versions) == ["1.0", "1.1"]
    assert recipe.versions["1.0"].vars["KERNELS"] != recipe.versions["1.1"].vars["KERNELS"]
    assert "mps2_an386" in recipe.targets and "nucleo_l4r5zi" in recipe.targets
    cmd = recipe.render_command("1.1", "NUCLEO_L4R5ZI", source="/src", out="/out", build_id="ab")
    assert cmd == (
        "make -s -j1 -C /src/harness BSP=nucleo_l4r5zi VERSION=1.1 BUILD_ID=ab OUT=/out "
        "CONSOLE_BAUD=115200 KERNELS=dsp OPT=-O2"
    )


def test_console_baud_per_version_reaches_the_build() -> None:
    recipe = load_recipe(REPO / "testing" / "data" / "firmware" / "energy" / "recipe.yaml")
    assert recipe.versions["1.1-energy"].console_baud == 9600
    cmd = recipe.render_command("1.1-energy", "mps2_an386", source="/s", out="/o", build_id="e")
    assert " CONSOLE_BAUD=9600 " in cmd and "MODE=energy" in cmd


def test_mbed_command_construction() -> None:
    recipe = load_recipe(REPO / "firmware" / "legacy_mbed" / "mbed-recipe.yaml")
    assert recipe.target_names is TargetNames.CATALOG
    assert recipe.versions["2.3"].source.ref == "legacy-mbed-2.3"
    model = {"model_c": "/m/model.h"}
    cmd = recipe.render_command(
        "2.3", "nucleo_l4r5zi", source="/src", out="/out", build_id="x", model_files=model
    )
    assert (
        "mbedtools compile -m NUCLEO_L4R5ZI -t GCC_ARM -b release --build /out/cmake_build" in cmd
    )
    assert cmd.startswith("cp -r /src/. /out/app && cp /m/model.h /out/app/model.h && cd ")
    assert recipe.build.artifacts["elf"].format(target="NUCLEO_L4R5ZI") == (
        "cmake_build/NUCLEO_L4R5ZI/release/GCC_ARM/*.elf"
    )


def _write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "fw"
    folder.mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "src").mkdir()
    path = folder / "recipe.yaml"
    path.write_text(text)
    return path


GOOD = """name: t
versions:
  "1.0": {source: src}
build:
  command: "make OUT={out}"
"""


def test_minimal_recipe_loads(tmp_path: Path) -> None:
    recipe = load_recipe(_write(tmp_path, GOOD))
    assert recipe.repo_root == tmp_path.resolve()
    assert recipe.build.artifacts["elf"] == "firmware.elf"


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        (
            GOOD.replace("build:", "bulid: 1\nbuild:"),
            ":4:1",
            ["unknown key", "did you mean 'build'"],
        ),
        (GOOD.replace("{out}", "{outdir}"), ":5:12", ["unknown placeholder '{outdir}'", "{out}"]),
        (GOOD.replace("src}", "nowhere}"), ":3:19", ["source 'nowhere' is not a directory"]),
        ("name: t\nversions: {}\nbuild: {command: x}\n", ":2:11", ["versions"]),
        ("name: t\nversions: [\n", ":3:1", ["malformed YAML"]),
    ],
)
def test_recipe_errors_name_file_line_and_field(
    tmp_path: Path, text: str, where: str, words: list[str]
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    message = str(info.value)
    assert message.startswith(f"{path}{where}: "), message
    for word in words:
        assert word in message


def test_unknown_version_lists_versions() -> None:
    recipe = load_recipe(HARNESS)
    with pytest.raises(RecipeError, match=r"no version '1\.2'; versions: 1\.0, 1\.1"):
        recipe.version("1.2")
