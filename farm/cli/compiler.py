"""`farm model ...`: inspect, compile and host-check int8 .tflite models."""

from __future__ import annotations

import json
from pathlib import Path

import typer

model_app = typer.Typer(
    help="Inspect, compile and check int8 .tflite models.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add the `model` sub-app to the root `farm` app."""
    app.add_typer(model_app, name="model")


def inspect_dict(path: Path) -> dict[str, object]:
    """What `farm model inspect --json` prints."""
    from farm.compiler.model_compiler import compile_model
    from farm.compiler.tflite_reader import read_tflite

    m = compile_model(path)
    graph = read_tflite(path)
    return {
        "model": path.name,
        "ops": len(m.ops),
        "macs": m.macs,
        "params": m.param_count,
        "tensors": len(graph.tensors),
        "arena_bytes": m.arena_bytes,
        "const_bytes": m.const_bytes,
        "blob_bytes": m.blob_bytes,
        "input": {
            "shape": list(m.input.shape),
            "dtype": m.input.dtype,
            "scale": m.input.scale,
            "zero_point": m.input.zero_point,
        },
        "output": {
            "shape": list(m.output.shape),
            "dtype": m.output.dtype,
            "scale": m.output.scale,
            "zero_point": m.output.zero_point,
        },
        "operators": [
            {
                "index": o.index,
                "op": o.tflite_op,
                "kernel": o.runtime_op,
                "macs": o.macs,
                "const_bytes": o.const_bytes,
                "output_shape": list(o.output_shape),
            }
            for o in m.ops
        ],
    }


def check_model_id_option(model_id: str | None) -> None:
    """OptionError (exit 2) for a ``--model-id`` the blob cannot carry."""
    from farm.compiler.blob_format import model_id_problem
    from farm.errors import OptionError

    if model_id is not None and (problem := model_id_problem(model_id)) is not None:
        raise OptionError(f"option '--model-id': {problem}", field="model-id")


@model_app.command("inspect")
def inspect_cmd(
    path: Path = typer.Argument(..., help="The .tflite model."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Operators, MACs, parameters, tensors, arena and constant bytes of a model."""
    info = inspect_dict(path)
    if as_json:
        typer.echo(json.dumps(info))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{info['model']}")
    for col in ("#", "operator", "kernel", "MACs", "const B", "output"):
        table.add_column(col, justify="right" if col in ("#", "MACs", "const B") else "left")
    for o in info["operators"]:  # type: ignore[attr-defined]
        table.add_row(
            str(o["index"]),
            o["op"],
            o["kernel"],
            f"{o['macs']:,}",
            f"{o['const_bytes']:,}",
            str(o["output_shape"]),
        )
    console = Console()
    console.print(table)
    console.print(
        f"ops {info['ops']}  MACs {info['macs']:,}  params {info['params']:,}  tensors {info['tensors']}  "
        f"arena {info['arena_bytes']:,} B  constants {info['const_bytes']:,} B  blob {info['blob_bytes']:,} B"
    )


@model_app.command("compile")
def compile_cmd(
    path: Path = typer.Argument(..., help="The .tflite model."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the model blob."),
    single_rounding: bool = typer.Option(
        False,
        "--single-rounding",
        help="Requantize with TFLITE_SINGLE_ROUNDING (CMSIS-NN) semantics.",
    ),
    model_id: str | None = typer.Option(
        None,
        "--model-id",
        help="Id the firmware reports in profile% (m-model-[...]); MLPerf Tiny's runner needs "
        "kws01, vww01, ic01 or ad01. Default: the file stem.",
    ),
) -> None:
    """Compile a .tflite model into a model blob for the farm runtime."""
    from farm.compiler.model_compiler import compile_model

    check_model_id_option(model_id)
    m = compile_model(path, single_rounding=single_rounding, model_id=model_id)
    output.write_bytes(m.blob)
    typer.echo(
        f"{output}: {m.blob_bytes} bytes, arena {m.arena_bytes} bytes, {len(m.ops)} ops, {m.macs} MACs"
    )


@model_app.command("check")
def check_cmd(
    path: Path = typer.Argument(..., help="The .tflite model."),
    inputs: int = typer.Option(20, "--inputs", min=1, help="Number of random int8 inputs."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    kernels: str = typer.Option(
        "plain", "--kernels", help="Host kernel build: plain or dsp-emulated."
    ),
) -> None:
    """Run the C kernels on the host and compare with TFLite Micro (and LiteRT as a second figure)."""
    from farm.compiler.host_runtime import FLAVOURS
    from farm.compiler.model_check import check_model
    from farm.errors import OptionError

    if kernels not in FLAVOURS:
        raise OptionError(
            f"option '--kernels': '{kernels}' is unknown; allowed: {', '.join(FLAVOURS)}",
            field="kernels",
        )
    result = check_model(path, inputs, flavour=kernels)
    if as_json:
        typer.echo(json.dumps(result.as_dict()))
    else:
        verdict = (
            "bit-exact"
            if result.bit_exact
            else f"MISMATCH ({result.mismatches} of {result.outputs} outputs)"
        )
        typer.echo(
            f"{result.model}: {verdict} vs TFLite Micro on {result.inputs} inputs ({result.kernel_path}); "
            f"max |diff| {result.max_abs_diff:g}; LiteRT reference differs in {result.litert_mismatches} outputs; "
            f"arena {result.arena_bytes} B (TFLM {result.tflm_arena_bytes} B), blob {result.blob_bytes} B"
        )
    if not result.bit_exact:
        raise typer.Exit(1)
