"""One QEMU twin served on a pty: the board behind ``farm twin serve``.

The twin is the farm's own (same image from the build cache, same model blob, same QEMU
arguments, ``m-lap-us`` in the real target's time), so a program pointed at the pty (MLPerf
Tiny's runner, a terminal, a lab's scripts) measures what the farm measures. The farm reads the
boot banner itself (a twin's UART is a socket that loses nothing), then hands the line to the
pty: the client sees a board that has booted, as with a Nucleo whose VCP is opened late.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from farm.errors import ConfigError, OptionError

if TYPE_CHECKING:
    from farm.build.artifact import FirmwareArtifact
    from farm.catalog import TargetSpec
    from farm.compiler.model_compiler import CompiledModel
    from farm.devices.qemu import QemuBoard
    from farm.virtual.pty_bridge import PtyBridge

log = logging.getLogger(__name__)


def split_firmware(spec: str) -> tuple[str, str]:
    """``joulefarm-harness@1.1`` -> (name, version); OptionError for anything else."""
    name, sep, version = spec.partition("@")
    if not sep or not name or not version:
        raise OptionError(
            f"option '--firmware': '{spec}' is not name@version; e.g. joulefarm-harness@1.1",
            field="firmware",
        )
    return name, version


def twin_target(name: str) -> TargetSpec:
    """The catalog target, which must have a QEMU twin (ConfigError otherwise)."""
    from farm.catalog import Catalog

    target = Catalog.load().get(name)
    if target.qemu_machine is None:
        twins = [t.name for t in Catalog.load() if t.qemu_machine is not None]
        raise OptionError(
            f"option '--target': target '{name}' has no QEMU twin; targets with one: "
            + ", ".join(twins),
            field="target",
        )
    return target


def model_id_for(model: Path, model_id: str | None) -> str | None:
    """``--model-id`` if given, else the ``model_id`` of models.yaml next to the model."""
    from farm.compiler.blob_format import model_id_problem

    if model_id is not None and (problem := model_id_problem(model_id)) is not None:
        raise OptionError(f"option '--model-id': {problem}", field="model-id")
    if model_id is not None:
        return model_id
    from farm.discovery import discover_models

    for spec in discover_models(model.parent):
        if spec.path.resolve() == model.resolve():
            return spec.model_id
    return None


def compile_for_twin(model: Path, model_id: str | None) -> CompiledModel:
    """The model blob (ModelFormatError for a file the runtime cannot run)."""
    from farm.compiler.model_compiler import compile_model
    from farm.errors import ModelFormatError

    if not model.is_file():
        raise OptionError(f"option '--model': file '{model}' does not exist", field="model")
    if model.suffix != ".tflite":
        raise ModelFormatError(
            f"model '{model}': the farm's firmware runs int8 .tflite models; got '{model.suffix}'",
            path=model,
        )
    return compile_model(model, model_id=model_id)


@dataclass
class ServedTwin:
    """A running twin and the pty bridged to its UART."""

    target: TargetSpec
    image: FirmwareArtifact
    compiled: CompiledModel
    model_id: str
    board: QemuBoard
    bridge: PtyBridge

    @property
    def path(self) -> str:
        """The tty any host program opens."""
        return self.bridge.path

    def check(self) -> None:
        """Raise EmulatorError when QEMU exited (with its stderr) or the bridge lost the UART."""
        from farm.errors import EmulatorError

        self.board.check_alive()
        if self.bridge.error is not None:
            self.board.check_alive(link_lost=True)
            raise EmulatorError(
                f"twin '{self.board.name}': its UART closed ({self.bridge.error}); "
                f"console log {self.board.console_log.path}",
                board=self.board.name,
            )

    def describe(self) -> str:
        """One line for the operator (stderr)."""
        from farm.devices.twin_timebase import us_per_instruction

        facts = self.board.facts
        cpi = facts.cycles_per_instruction or self.target.virtual_cycles_per_instruction
        ratio = us_per_instruction(self.target.max_clock_hz, cpi)
        basis = (
            f"cycle model: {cpi:.3f} cycles/instr"
            if facts.cycle_estimate is not None
            else f"flat catalog factor {cpi:g} ({facts.cycle_fallback})"
        )
        return (
            f"twin of {self.target.name} ({self.board.machine}, pid {self.board.pid}): "
            f"{self.image.firmware}@{self.image.version} image {self.image.image_hash[:12]}, "
            f"model {self.compiled.path.name} as '{self.model_id}'; m-lap-us in "
            f"{self.target.name} time ({ratio} us per instruction, {basis})"
        )

    def close(self) -> None:
        """Stop the bridge, then QEMU (idempotent)."""
        try:
            self.bridge.close()
        finally:
            self.board.close()


def start_twin(
    target_name: str,
    firmware: str,
    model: Path,
    *,
    model_id: str | None,
    firmware_dir: Path,
    cache_dir: Path,
    workdir: Path,
) -> ServedTwin:
    """Build (cache), compile, boot the twin and bridge its UART to a pty.

    Bad input (target, firmware, model, model id) raises ConfigError before QEMU starts.
    """
    from farm.build import build_firmware
    from farm.build.recipe import resolve_recipe, twin_of_vars
    from farm.devices.qemu import QemuBoard
    from farm.inventory import BoardConfig
    from farm.virtual.cycle_trace import TraceProfileCache
    from farm.virtual.pty_bridge import PtyBridge

    target = twin_target(target_name)
    name, version = split_firmware(firmware)
    recipe = resolve_recipe(name, firmware_dir)
    recipe.version(version)  # RecipeError naming the known versions
    bsp = str(target.qemu_machine).replace("-", "_")
    if recipe.targets is not None and bsp not in {t.lower() for t in recipe.targets}:
        raise ConfigError(
            f"firmware '{firmware}': recipe {recipe.path} does not build for '{bsp}' "
            f"(the twin of {target.name}); its targets: {', '.join(recipe.targets)}",
            path=recipe.path,
            field="targets",
        )
    chosen_id = model_id_for(model, model_id)
    compiled = compile_for_twin(model, chosen_id)
    # Built as the farm builds this target's twin pool (farm.hil.artifacts.image_for).
    twin_vars = twin_of_vars(recipe.targets, target.slug)
    image = build_firmware(
        recipe.path, version, bsp, cache_dir=cache_dir, extra_vars=twin_vars or None
    )
    config = BoardConfig(id=f"twin-{target.slug}", target=target.name, backend="qemu")
    board = QemuBoard(config, target, workdir=workdir, log_path=workdir / "console.log")
    # m-lap-us follows the cycle model's estimate for (image, model), as the farm's rows do.
    board.cycle_profiles = TraceProfileCache(cache_dir)
    try:
        board.prepare(image, compiled.blob)
        board.dut().wait_boot()
        bridge = PtyBridge(board.console(), name=config.id)
    except BaseException:
        board.close()
        raise
    served = ServedTwin(target, image, compiled, chosen_id or model.stem, board, bridge)
    log.info("%s on %s", served.describe(), served.path)
    return served
