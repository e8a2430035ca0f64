"""How long an energy window is: N inferences for a window the energy rule accepts.

As in MLPerf Tiny's energy mode the window is long, so its edges do not matter: one timed
inference (``infer 1 0``) gives the time per inference and N is chosen for a window of at least
:data:`MIN_WINDOW_SAMPLES` samples at the monitor's rate (each edge costs at most one sample), or
under MLPerf Tiny's own rule for at least 10 s, measured 5 times.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from farm.errors import PowerMonitorError

if TYPE_CHECKING:
    from farm.devices.dut import DutSession
    from farm.devices.protocols import BoardFacts

log = logging.getLogger(__name__)

MIN_WINDOW_SAMPLES = 200
"""Samples a window spans at least: two edges of one sample each are <= 1 % of its energy."""
MAX_WINDOW_INFERENCES = 2000
"""Cap on N under the samples rule, so a tiny model at a slow sample rate keeps runs short."""


@dataclass(frozen=True)
class WindowRule:
    """How long each energy window is and how many are taken (their median is reported)."""

    name: str
    min_samples: int
    min_window_s: float
    windows: int
    max_n: int

    def describe(self) -> str:
        """``rule mlperf: windows >= 10 s and >= 200 samples, median of 5``."""
        length = f">= {self.min_window_s:g} s and " if self.min_window_s else ""
        return (
            f"rule {self.name}: windows {length}>= {self.min_samples} samples, "
            f"median of {self.windows}"
        )


WINDOW_RULES = {
    "samples": WindowRule("samples", MIN_WINDOW_SAMPLES, 0.0, 1, MAX_WINDOW_INFERENCES),
    "mlperf": WindowRule("mlperf", MIN_WINDOW_SAMPLES, 10.0, 5, 10**7),
}
"""``samples``: quick, the edge error stays <= 1 %. ``mlperf``: MLPerf Tiny's energy rule."""


@dataclass(frozen=True)
class WindowPlan:
    """How many inferences one energy window holds, from a timed calibration inference."""

    n: int
    inference_s: float
    sample_rate_hz: float
    min_window_s: float
    capped: bool
    rule: WindowRule = WINDOW_RULES["samples"]

    @property
    def window_s(self) -> float:
        """Expected window length: N x the calibrated inference time."""
        return self.n * self.inference_s

    def describe(self) -> str:
        """``N=9 x 23.8 ms = 0.214 s (>= 0.2 s at 1000 Hz; rule samples: ...)``."""
        cap = f", capped at {self.rule.max_n}" if self.capped else ""
        return (
            f"N={self.n} x {self.inference_s * 1e3:.4g} ms = {self.window_s:.4g} s "
            f"(>= {self.min_window_s:g} s at {self.sample_rate_hz:g} Hz{cap}; "
            f"{self.rule.describe()})"
        )


def plan_window(
    dut: DutSession,
    facts: BoardFacts,
    sample_rate_hz: float,
    *,
    at_least: int = 1,
    rule: WindowRule = WINDOW_RULES["samples"],
    max_n: int | None = None,
) -> WindowPlan:
    """Time one inference (``infer 1 0``) and choose N for a window the rule accepts.

    The inference time is the board's own: ``cycles%`` (core cycles, or a twin's instructions
    x the catalog factor) over the real target's clock, or a real board's ``m-lap-us``.

    Raises:
        PowerMonitorError: The board gave no time for the calibration inference.
    """
    calibration = dut.infer(1, 0)
    latency_us = facts.latency_us(calibration)
    if latency_us is None or latency_us <= 0:
        raise PowerMonitorError(
            f"board '{facts.board_id}': the calibration inference (infer 1 0) gave no time; "
            "the firmware must answer cycles% or m-lap-us",
            board=facts.board_id,
        )
    cap = rule.max_n if max_n is None else max_n
    inference_s = latency_us / 1e6
    min_window_s = max(rule.min_samples / sample_rate_hz, rule.min_window_s)
    wanted = max(at_least, math.ceil(min_window_s / inference_s - 1e-9))
    plan = WindowPlan(
        n=min(wanted, cap),
        inference_s=inference_s,
        sample_rate_hz=sample_rate_hz,
        min_window_s=min_window_s,
        capped=wanted > cap,
        rule=dataclasses.replace(rule, max_n=cap),
    )
    dut.console_log.note(f"energy window: {plan.describe()}")
    log.info("board %s: energy window %s", facts.board_id, plan.describe())
    return plan
