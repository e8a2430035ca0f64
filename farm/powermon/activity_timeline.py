"""A board's supply current as it happens: running or sleeping, in the board's own time.

The current source of an emulated monitor wired to a twin. Whoever watches the board (the
virtual lab) reports each change of state (``record``) and how far the board's time is known
(``advance``); the emulator samples only time that is known (``horizon_s``), so its stream never
runs ahead of the board. Times are seconds of the board's own clock since its boot.

Two levels, as the catalog gives them: the run current while the core executes (inference,
warm-ups, UART handling) and the idle current while it sleeps in WFI.
"""

from __future__ import annotations

import threading

import numpy as np


class ActivityTimeline:
    """Run/sleep states of one board over its own time, known up to ``horizon_s``.

    Args:
        idle_current_a: Current while the core sleeps (WFI).
        run_current_a: Current while the core runs.
    """

    def __init__(self, idle_current_a: float, run_current_a: float) -> None:
        self.idle_current_a = idle_current_a
        self.run_current_a = run_current_a
        self._cond = threading.Condition()
        # State changes in arrays that grow by doubling: an idle twin reports every tick, so a
        # long session has ~1e5 changes; readers take views (no copy) and never wait on a copy
        # while the watcher needs the lock. Entries below _n are never rewritten.
        self._times = np.zeros(1024)
        self._running = np.ones(1024, dtype=bool)  # a core runs from reset
        self._active = np.zeros(1024)  # running seconds before _times[i]
        self._n = 1
        self._horizon = 0.0
        self._advances = 0

    # --- fed by the watcher ---------------------------------------------------------------

    def reset(self) -> None:
        """The board (re)booted: its time starts again at 0, running."""
        with self._cond:
            self._times = np.zeros(1024)
            self._running = np.ones(1024, dtype=bool)
            self._active = np.zeros(1024)
            self._n = 1
            self._horizon = 0.0
            self._advances += 1
            self._cond.notify_all()

    def record(self, t_s: float, running: bool) -> None:
        """The core starts running (or sleeping) at ``t_s``; also advances the horizon."""
        with self._cond:
            last = self._n - 1
            t_s = max(t_s, float(self._times[last]))
            if running != bool(self._running[last]):
                ran = t_s - self._times[last] if self._running[last] else 0.0
                if self._n == len(self._times):
                    self._grow()
                self._times[self._n] = t_s
                self._running[self._n] = running
                self._active[self._n] = self._active[last] + ran
                self._n += 1
            self._advance_locked(t_s)

    def _grow(self) -> None:
        # New arrays, old ones untouched: views a reader holds stay valid.
        size = 2 * len(self._times)
        self._times = np.resize(self._times, size)
        self._running = np.resize(self._running, size)
        self._active = np.resize(self._active, size)

    def advance(self, t_s: float) -> None:
        """The board's time up to ``t_s`` is known (no state change before it)."""
        with self._cond:
            self._advance_locked(t_s)

    def _advance_locked(self, t_s: float) -> None:
        self._horizon = max(self._horizon, t_s)
        self._advances += 1
        self._cond.notify_all()

    # --- read by the emulator and the ground truth ----------------------------------------

    @property
    def horizon_s(self) -> float:
        """Board time known so far (the emulator samples only before it)."""
        with self._cond:
            return self._horizon

    def progress(self) -> int:
        """A count of the reports so far (for :meth:`settled`)."""
        with self._cond:
            return self._advances

    def settled(self, since: int, records: int = 2) -> bool:
        """True once ``records`` reports came after :meth:`progress` gave ``since`` and the
        board sleeps: everything it did before is known.

        A host starts and stops a capture while the board waits for its next command, asleep; a
        sleeping twin reports every 1 ms tick. Reports still on their way (a loaded host) show
        as a board that still runs.
        """
        with self._cond:
            return self._advances >= since + records and not self._running[self._n - 1]

    def running_at(self, t_s: float) -> bool:
        """State of the core at board time ``t_s``."""
        times, running, _ = self._views()
        i = int(np.searchsorted(times, t_s, side="right")) - 1
        return bool(running[max(i, 0)])

    def _views(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The recorded changes so far (times, running, active), as views."""
        with self._cond:
            n = self._n
            return self._times[:n], self._running[:n], self._active[:n]

    def _active_time(self, t: np.ndarray) -> np.ndarray:
        """Running seconds in [0, t] for each t (state after the last change continues)."""
        times, running, active = self._views()
        i = np.clip(np.searchsorted(times, t, side="right") - 1, 0, None)
        return active[i] + np.where(running[i], t - times[i], 0.0)

    def mean_a(self, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
        """Exact mean current over each interval [t0, t1] (t1 > t0), as a monitor integrates."""
        t0 = np.asarray(t0, dtype=np.float64)
        t1 = np.asarray(t1, dtype=np.float64)
        share = (self._active_time(t1) - self._active_time(t0)) / (t1 - t0)
        return self.idle_current_a + (self.run_current_a - self.idle_current_a) * share

    def __call__(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        times, running, _ = self._views()
        i = np.clip(np.searchsorted(times, t, side="right") - 1, 0, None)
        return np.where(running[i], self.run_current_a, self.idle_current_a)

    def energy_j(self, start_s: float, end_s: float, voltage_v: float) -> float:
        """Ground truth: V x integral of I dt over [start_s, end_s] of board time."""
        active = self._active_time(np.array([start_s, end_s]))
        running = float(active[1] - active[0])
        charge = self.idle_current_a * (end_s - start_s)
        charge += (self.run_current_a - self.idle_current_a) * running
        return voltage_v * charge
