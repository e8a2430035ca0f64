"""Synthetic result rows for tests, benchmarks and report demos (never for real runs).

Numbers are a deterministic function of (model, target, firmware), so two synthetic runs compare
cleanly and a test can make exactly one model more energy-hungry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from farm.results.schema import ResultRow

FAMILIES = ("mobilenet", "ds-cnn", "resnet", "autoencoder", "micronet", "yolo")
TASKS = {"mobilenet": "vww", "ds-cnn": "kws", "resnet": "ic", "autoencoder": "ad"}
TARGETS = {  # target -> (clock MHz, flash limit, RAM limit, µW per MHz, virtual)
    "stm32l4r5": (120, 2 * 1024**2, 640 * 1024, 95.0, True),
    "stm32h7a3": (280, 2 * 1024**2, 1024**2, 160.0, True),
    "stm32u585": (160, 2 * 1024**2, 768 * 1024, 60.0, False),
    "stm32f746": (216, 1024**2, 320 * 1024, 210.0, False),
    "rpi4": (1500, 512 * 1024**2, 256 * 1024**2, 2400.0, False),
    "jetson-nano": (1430, 1024**3, 512 * 1024**2, 3100.0, False),
}
FIRMWARES = ("tflm-2024.11", "tflm-2025.06")


def _unit(*parts: str) -> float:
    """A stable pseudo-random number in [0, 1) from the parts."""
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return int.from_bytes(digest[:6], "big") / 2**48


def model_names(n_models: int) -> list[str]:
    """``n_models`` model names spread over the families."""
    return [
        f"{FAMILIES[i % len(FAMILIES)]}_v{i // len(FAMILIES) + 1}_int8" for i in range(n_models)
    ]


def synthetic_rows(
    run_id: str,
    n_rows: int,
    *,
    n_models: int | None = None,
    energy_factor: dict[str, float] | None = None,
    started: datetime | None = None,
    firmwares: Sequence[str] = FIRMWARES,
) -> Iterator[ResultRow]:
    """Yield ``n_rows`` rows cycling through model x target x firmware x kind.

    Args:
        run_id: the run id written in every row.
        n_rows: how many rows.
        n_models: number of distinct models (default: enough to cover ``n_rows``).
        energy_factor: multiply a model's energy by a factor, e.g. ``{"ds-cnn_v1_int8": 1.1}``.
        started: time of the first test.
        firmwares: firmware names (each gets its own stable speed factor).
    """
    combos = len(TARGETS) * len(firmwares) * 2
    models = model_names(n_models or max(1, -(-n_rows // combos)))
    t0 = started or datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
    factors = energy_factor or {}
    i = 0
    for model in models:
        family = model.split("_")[0]
        size = int(40_000 + 900_000 * _unit(model, "size"))
        macs = int(size * (8 + 40 * _unit(model, "macs")))
        for target, (mhz, flash_lim, ram_lim, uw_per_mhz, virtual) in TARGETS.items():
            for firmware in firmwares:
                for kind in ("energy", "memory"):
                    if i >= n_rows:
                        return
                    yield _row(run_id, i, t0, model, family, size, macs, target, firmware, kind,
                               mhz, flash_lim, ram_lim, uw_per_mhz, virtual,
                               factors.get(model, 1.0))  # fmt: skip
                    i += 1


def _row(
    run_id: str, i: int, t0: datetime, model: str, family: str, size: int, macs: int,
    target: str, firmware: str, kind: str, mhz: int, flash_lim: int, ram_lim: int,
    uw_per_mhz: float, virtual: bool, factor: float,
) -> ResultRow:  # fmt: skip
    jitter = 1.0 + 0.01 * (_unit(model, target, firmware, "j") - 0.5)
    speed = 0.8 + 0.2 * _unit(firmware, "speed")
    cycles = int(macs * (0.6 + 0.8 * _unit(target, "cpi")) * speed)
    latency_ms = cycles / (mhz * 1e3) * jitter
    power_mw = uw_per_mhz * mhz / 1000.0 * (0.9 + 0.2 * _unit(model, target))
    flash = size + 90_000
    ram = int(size * 0.6)
    outcome, reason, error_kind = "passed", None, None
    if flash > flash_lim or ram > ram_lim:
        outcome, reason = "failed", f"model does not fit: RAM {ram} B > limit {ram_lim} B"
    elif _unit(model, target, firmware, kind, "err") < 0.02:
        outcome, reason, error_kind = "error", "probe: lost connection to ST-LINK", "probe"
    elif kind == "energy" and target in ("rpi4", "jetson-nano") and _unit(model, "sk") < 0.1:
        outcome, reason = "skipped", "no power monitor on this board"
    measured = outcome == "passed"
    start = t0 + timedelta(seconds=3 * i)
    return ResultRow(
        run_id=run_id,
        test_id=f"tests/test_{kind}.py::test_{kind}[{model}-{target}-{firmware}]",
        test_kind=kind,
        model=model,
        model_sha256=hashlib.sha256(model.encode()).hexdigest(),
        model_family=family,
        task=TASKS.get(family, "ic"),
        firmware=firmware,
        firmware_version=firmware.split("-", 1)[1],
        image_hash=hashlib.sha256(f"{firmware}{target}".encode()).hexdigest()[:16],
        board_id=f"{target}-01",
        target=target,
        backend="tflm" if mhz < 1000 else "litert",
        virtual=virtual,
        outcome=outcome,
        reason=reason,
        error_kind=error_kind,
        latency_ms=latency_ms if measured else None,
        cycles_per_inference=cycles if measured else None,
        energy_uj=latency_ms * power_mw * factor if measured and kind == "energy" else None,
        energy_uncertainty_uj=latency_ms * power_mw * 0.02
        if measured and kind == "energy"
        else None,
        mean_power_mw=power_mw if measured and kind == "energy" else None,
        flash_bytes=flash,
        ram_bytes=ram,
        flash_limit_bytes=flash_lim,
        ram_limit_bytes=ram_lim,
        arena_bytes=int(ram * 0.8),
        blob_bytes=size,
        macs=macs,
        outputs_bit_exact=True if measured else None,
        n_inferences=20 if measured else None,
        latency_method="icount" if virtual else "dwt-cycles",
        energy_method=("icount-model" if virtual else "stlink-v3pwr") if kind == "energy" else None,
        sample_rate_hz=100_000.0 if kind == "energy" else None,
        voltage_mv=3300.0,
        started_at=start,
        finished_at=start + timedelta(seconds=2.5),
        duration_s=2.5,
        worker=f"gw{i % 4}",
    )
