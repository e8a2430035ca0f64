"""Leases of boards several lab PCs reach: the local file lock plus a Prefect slot.

A board wired to one PC keeps its local ``flock`` (:mod:`farm.lease`). A board that lists several
PCs in its ``host`` (a Jetson on the lab network) also takes the one slot of its Prefect global
concurrency limit ``farm-board-<id>`` (created by ``farm fleet deploy`` with limit 1). The slot is
*strict* (a missing limit is an error, never a silent pass) and leased for ``lease_duration_s``;
Prefect's client renews the lease while the test runs, so a PC that dies frees the board after at
most one lease duration, and the server keeps leases on disk (filesystem lease storage) so a
server restart frees nothing early.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import replace

from farm.errors import BoardBusyError, InfraError
from farm.fleet import board_limit
from farm.lease import HolderInfo, Lease, LeaseManager

log = logging.getLogger(__name__)

LEASE_DURATION_S = 120.0
SLOT_ATTEMPT_S = 2.0
SWEEP_PAUSE_S = 0.5


def hold_slot(name: str, timeout_s: float, lease_duration_s: float) -> contextlib.ExitStack:
    """Enter Prefect's strict ``concurrency`` context for one slot of ``name``; the returned
    stack releases it. TimeoutError when the slot stays taken for ``timeout_s``."""
    from prefect.concurrency.sync import concurrency

    stack = contextlib.ExitStack()
    stack.enter_context(
        concurrency(
            name,
            occupy=1,
            timeout_seconds=timeout_s,
            lease_duration=lease_duration_s,
            strict=True,
            raise_on_lease_renewal_failure=False,
        )
    )
    return stack


class FleetLeases:
    """``acquire`` like :class:`LeaseManager`, with a fleet slot for shared boards."""

    def __init__(
        self, local: LeaseManager, shared: set[str], lease_duration_s: float = LEASE_DURATION_S
    ) -> None:
        self.local = local
        self.shared = shared
        self.lease_duration_s = lease_duration_s

    def _with_slot(self, lease: Lease) -> Lease | None:
        from prefect.exceptions import PrefectException

        try:
            slot = hold_slot(board_limit(lease.board_id), SLOT_ATTEMPT_S, self.lease_duration_s)
        except TimeoutError:
            lease.release()
            return None
        except (PrefectException, OSError, RuntimeError) as exc:
            lease.release()
            raise InfraError(
                f"board '{lease.board_id}': no fleet lease ({type(exc).__name__}: {exc}); check "
                f"the Prefect server and that 'farm fleet deploy' created limit "
                f"'{board_limit(lease.board_id)}'",
                board=lease.board_id,
            ) from exc
        local_unlock = lease.release

        def release_both() -> None:
            try:
                slot.close()
            finally:
                local_unlock()

        log.info("board %s: fleet slot %s taken", lease.board_id, board_limit(lease.board_id))
        return replace(lease, _unlock=release_both, _clear_record=lambda: None)

    def acquire(self, board_ids: Sequence[str], holder: HolderInfo, timeout_s: float) -> Lease:
        """First board of ``board_ids`` free locally and, if shared, fleet-wide."""
        if not any(b in self.shared for b in board_ids):
            return self.local.acquire(board_ids, holder, timeout_s)
        start = time.monotonic()
        while True:
            for board_id in board_ids:
                lease = self.local.try_acquire(board_id, holder, time.monotonic() - start)
                if lease is None:
                    continue
                if board_id not in self.shared:
                    return lease
                taken = self._with_slot(lease)
                if taken is not None:
                    return replace(taken, waited_s=time.monotonic() - start)
            waited = time.monotonic() - start
            if waited > timeout_s:
                names = ", ".join(f"'{b}'" for b in board_ids)
                raise BoardBusyError(
                    f"board {names} busy on another lab PC (fleet lease); waited {waited:.1f} s; "
                    "raise --farm-lease-timeout or see 'farm fleet status'",
                    board=board_ids[0] if len(board_ids) == 1 else None,
                )
            time.sleep(SWEEP_PAUSE_S)
