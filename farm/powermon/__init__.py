"""Power monitors (STLINK-V3PWR, X-NUCLEO-LPM01A): drivers, wire codec, emulators, energy.

HIL use::

    monitor, settings = monitor_for_board(board)          # from the inventory entry
    with monitor, monitor.capture_session(settings.model_copy(update={
            "trigger": TriggerSource.HARDWARE, "acquisition_time_s": 0.5})) as cap:
        ...                                               # run the inferences
    result = energy_from_windows(cap.trace, [InferenceWindow(start_s, end_s, n)])
    save_trace(cap.trace, run_dir / "trace.parquet", windows=[(start_s, end_s)])

Virtual lab: ``farm.virtual.power_bench`` feeds an emulator from a twin's own pin and activity
(an ActivityTimeline source, edges in the twin's time). By hand (device time)::

    handle = start_emulator("stlink-v3pwr", ActivityProfile(idle_a, run_a, [(t0, t1)]),
                            realtime=False)
    # inventory power_monitor.port = handle.port; configure(trigger=hw); start() arms;
    handle.fire_trigger()        # the acquisition starts at device time 0
    # LPM01A event method: handle.schedule_edges([t0, t1]) before start(), event_lines=True
    handle.stop()
"""

from farm.powermon.activity import ActivityProfile, ConstantSource, CurrentSource
from farm.powermon.emulator import EmulatorHandle, start_emulator
from farm.powermon.emulator_faults import FaultInjection
from farm.powermon.energy import (
    EnergyResult,
    InferenceWindow,
    energy_from_events,
    energy_from_windows,
)
from farm.powermon.protocols import (
    AcquisitionSettings,
    Capability,
    CaptureHandle,
    CurrentTrace,
    OutputMode,
    PowerMonitor,
    SampleFormat,
    SampleMark,
    TriggerSource,
)
from farm.powermon.trace_store import load_trace, save_trace

__all__ = [
    "AcquisitionSettings",
    "ActivityProfile",
    "Capability",
    "CaptureHandle",
    "ConstantSource",
    "CurrentSource",
    "CurrentTrace",
    "EmulatorHandle",
    "EnergyResult",
    "FaultInjection",
    "InferenceWindow",
    "OutputMode",
    "PowerMonitor",
    "SampleFormat",
    "SampleMark",
    "TriggerSource",
    "energy_from_events",
    "energy_from_windows",
    "load_trace",
    "save_trace",
    "start_emulator",
]
