"""Faults an emulator can inject, each tied to a point of the stream (sample index)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FaultInjection(BaseModel):
    """Optional misbehaviour of an emulated power monitor.

    ``nul_bytes`` and ``split_writes`` must be absorbed by a driver; the other faults must end
    the measurement with a PowerMonitorError carrying the device's words.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    nul_bytes: bool = Field(False, description="Stray NULs in text (after timestamps, replies).")
    split_writes: bool = Field(False, description="Write replies and stream in small pieces.")
    drop_samples_at: int | None = Field(None, ge=0, description="Lose samples from this index.")
    drop_count: int = Field(37, ge=1, le=999, description="How many samples are lost.")
    overrun_at: int | None = Field(
        None, ge=0, description="Buffer load ramps from this sample on, ending in an overrun."
    )
    close_at: int | None = Field(None, ge=0, description="Close the port at this sample index.")
    seed: int = Field(0, description="Seed of the split sizes and NUL counts.")
