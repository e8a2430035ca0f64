"""``farm report``, ``farm push`` and ``farm trends``."""

from __future__ import annotations

from pathlib import Path

import typer

from farm.errors import OptionError
from farm.results.exitcodes import FarmExitCode

REPORTS_HELP = "Reports root (default: $FARM_REPORTS_DIR or ./reports)."


def _resolve_run(run_dir: Path | None, latest: bool, reports: Path | None) -> Path:
    from farm.results.rundir import default_reports_root, is_run_dir, latest_run

    if run_dir is not None and latest:
        raise OptionError("option '--latest': cannot be combined with RUN_DIR; give one of them")
    if run_dir is None:
        root = reports or default_reports_root()
        found = latest_run(root)
        if found is None:
            raise OptionError(
                f"reports root '{root}': no run directories in it; run 'make farm' first "
                "or pass RUN_DIR"
            )
        return found
    if not run_dir.is_dir() or not is_run_dir(run_dir):
        raise OptionError(
            f"run directory '{run_dir}': has neither rows/ nor run.json; "
            "pass a directory under reports/ such as reports/<run_id>"
        )
    return run_dir


def report(
    run_dir: Path | None = typer.Argument(None, help="Run directory (default: the newest)."),
    latest: bool = typer.Option(
        False, "--latest", help="Use the newest run under the reports root."
    ),
    print_path: bool = typer.Option(
        False, "--print-path", help="Print the run page's path as the last line."
    ),
    reports: Path | None = typer.Option(None, "--reports", help=REPORTS_HELP),
    threshold_pct: float = typer.Option(
        5.0, "--threshold", min=0.0, help="Flag changes above this many percent."
    ),
    fail_on_regression: bool = typer.Option(
        False, "--fail-on-regression", help=f"Exit {FarmExitCode.REGRESSIONS} on regressions."
    ),
    test_pages: bool = typer.Option(True, "--test-pages/--no-test-pages"),
    compare_firmware: tuple[str, str] | None = typer.Option(
        None,
        "--compare-firmware",
        metavar="A B",
        help="Print firmware A (baseline) and B side by side (name@version, glob or version).",
    ),
) -> None:
    """Rebuild a run's results and HTML report from its rows (works for killed runs too)."""
    from farm.results.finish import finish_run

    target = _resolve_run(run_dir, latest, reports)
    if compare_firmware:
        _print_firmware_comparison(target, compare_firmware)
        return
    summary = finish_run(target, threshold_pct=threshold_pct, test_pages=test_pages)
    counts = ", ".join(f"{n} {k}" for k, n in summary.outcomes.items())
    typer.echo(f"run {summary.merged.run_id}: {len(summary.merged.frame)} tests ({counts})")
    regressions = summary.comparison.regressions if summary.comparison else []
    if summary.comparison:
        typer.echo(
            f"vs {summary.comparison.previous_run_id}: {len(regressions)} regressions "
            f"above {threshold_pct:g} %"
        )
        for change in regressions[:20]:
            typer.echo(f"  REGRESSION {change.describe()}")
    typer.echo(str(summary.index_html) if print_path else f"report: {summary.index_html}")
    if fail_on_regression and regressions:
        raise typer.Exit(int(FarmExitCode.REGRESSIONS))


def _print_firmware_comparison(run_dir: Path, pair: tuple[str, str]) -> None:
    """``--compare-firmware A B``: the run page's side-by-side table for two firmware."""
    from farm.results.firmware_compare import compare_firmware, format_table
    from farm.results.merge import load_frame, read_run_info

    frame = load_frame(run_dir, prefer_merged=True)
    info = read_run_info(run_dir)
    found = compare_firmware(
        frame, baseline=pair[0], firmware_order=info.get("firmware_order") or (), only=pair
    )
    if found is None:
        have = sorted(
            {f"{f}@{v}" for f, v in zip(frame["firmware"], frame["firmware_version"], strict=True)
             if isinstance(f, str)}
        )  # fmt: skip
        raise OptionError(
            f"option '--compare-firmware': no model measured on one target with both "
            f"'{pair[0]}' and '{pair[1]}' in run '{run_dir.name}'; firmware in the run: "
            + (", ".join(have) or "(none)")
        )
    typer.echo(format_table(found))


def push(
    run_dir: Path | None = typer.Argument(None, help="Run directory (default: the newest)."),
    latest: bool = typer.Option(False, "--latest", help="Push the newest run."),
    reports: Path | None = typer.Option(None, "--reports", help=REPORTS_HELP),
    store_dir: Path | None = typer.Option(
        None, "--store-dir", help="Push to this directory instead of the configured store."
    ),
) -> None:
    """Upload a run to the result store (MinIO/S3 or a directory); safe to repeat."""
    from farm.results.push import PushIncompleteError, push_run
    from farm.results.store import open_store
    from farm.store_config import load_store_config

    target = _resolve_run(run_dir, latest, reports)
    store = open_store(load_store_config(store_dir))
    try:
        result = push_run(target, store)
    except PushIncompleteError as exc:
        pending = exc.result.pending
        typer.echo(f"error: {exc}", err=True)
        typer.echo(
            f"push of {target.name} incomplete: uploaded {len(exc.result.uploaded)}, "
            f"unchanged {len(exc.result.unchanged)}, pending {len(pending)}",
            err=True,
        )
        for key in pending[:20]:
            typer.echo(f"  pending {key}", err=True)
        if len(pending) > 20:
            typer.echo(f"  ... and {len(pending) - 20} more", err=True)
        typer.echo(f"run 'farm push {target}' again when the store is reachable", err=True)
        raise typer.Exit(int(FarmExitCode.PUSH_INCOMPLETE)) from exc
    typer.echo(
        f"pushed {result.run_id} to {result.store}: uploaded {len(result.uploaded)}, "
        f"unchanged {len(result.unchanged)}"
        + ("; run index updated" if result.index_updated else "")
    )


def trends(
    store_dir: Path | None = typer.Option(
        None,
        "--store-dir",
        help="Read runs from this directory (e.g. reports/) instead of the store.",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Output directory (default: reports/trends)."
    ),
    last: int = typer.Option(30, "--last", min=2, help="Use at most this many recent runs."),
) -> None:
    """Build trend pages of (model, target, firmware) across the runs in a store.

    Without a configured store (and without --store-dir) the local reports root is used.
    """
    from farm.results.rundir import default_reports_root
    from farm.results.store import open_store
    from farm.results.trends import build_trends
    from farm.store_config import load_store_config, store_configured

    if store_dir is None and not store_configured():
        store_dir = default_reports_root()
        typer.echo(f"no result store configured; using the local runs in {store_dir}", err=True)
    store = open_store(load_store_config(store_dir))
    out_dir = out or default_reports_root() / "trends"
    page = build_trends(store, out_dir, last=last)
    typer.echo(str(page))


def register(app: typer.Typer) -> None:
    """Add ``report``, ``push`` and ``trends`` to the root ``farm`` app."""
    app.command("report")(report)
    app.command("push")(push)
    app.command("trends")(trends)
