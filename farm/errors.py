"""The farm's error tree.

Three kinds matter to a user (ARCHITECTURE.md, principle 4):

* ``ConfigError`` and subclasses: bad input (inventory, model file, option, recipe). Raised
  before any board is touched; the message names the file, the field and what is allowed.
* ``InfraError`` and subclasses: the lab failed (probe, serial, power monitor, SSH, build
  tooling, a busy board, an emulator that died). Reported as pytest *errors*, retried once
  after a board reset, counted per board.
* Product findings (wrong outputs, does not fit, over an energy limit) are plain test
  failures or skips, not exceptions from this tree.

Message formula: ``<kind> '<name>': <what is wrong>; <what is allowed or what to do>``.
"""

from __future__ import annotations

from pathlib import Path


class FarmError(Exception):
    """Root of every error the farm raises on purpose."""


# --- bad input -------------------------------------------------------------------------------


class ConfigError(FarmError):
    """Bad input: names the file, the position and the field."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.line = line
        self.column = column
        self.field = field
        self.message = message
        super().__init__(self.location_prefix() + message)

    def location_prefix(self) -> str:
        if self.path is None:
            return ""
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where + ": "


class InventoryError(ConfigError):
    """inventory.yaml is malformed or inconsistent."""


class OptionError(ConfigError):
    """A command-line option, environment variable or settings value is invalid."""


class ModelFormatError(ConfigError):
    """A model file cannot be compiled: corrupt, float, unsupported operator or shape."""


class ModelSourceError(ConfigError):
    """The models setting names no models: a missing folder, an empty prefix, a missing bucket
    or an unreachable store (the run stops before any board is touched)."""


class RecipeError(ConfigError):
    """A firmware recipe file is malformed."""


class PluginError(ConfigError):
    """A third-party entry point registered something of the wrong type."""


# --- infrastructure --------------------------------------------------------------------------


class InfraError(FarmError):
    """The lab failed, not the product. ``board`` names the board when there is one."""

    kind = "infra"

    def __init__(self, message: str, *, board: str | None = None) -> None:
        self.board = board
        self.message = message
        super().__init__(message)


class ProbeError(InfraError):
    """Debug probe: not found, cannot connect, flash failed."""

    kind = "probe"


class SerialLinkError(InfraError):
    """A serial port could not be found, opened, read or written."""

    kind = "serial"


class DutError(InfraError):
    """The firmware stopped answering or broke the DUT protocol."""

    kind = "dut"


class DutTimeoutError(DutError):
    """No answer (for example no ``m-ready``) within the timeout."""

    kind = "dut-timeout"


class EmulatorError(InfraError):
    """A virtual device (QEMU twin, protocol emulator) failed to start or died."""

    kind = "emulator"


class PowerMonitorError(InfraError):
    """The power monitor failed: no ack, lost samples, overrun, port closed."""

    kind = "powermon"


class EnergyWindowError(PowerMonitorError):
    """The energy window could not be found: the pin's edges did not reach the monitor (wiring),
    came more often than expected, or span less than the monitor resolves (rate)."""

    kind = "energy-window"


class SshError(InfraError):
    """SSH connection, authentication, host key or remote command failure."""

    kind = "ssh"


class HostKeyError(SshError):
    """The host key is unknown or changed: we refuse to connect."""

    kind = "ssh-hostkey"


class BoardBusyError(InfraError):
    """A board lease could not be taken within the timeout."""

    kind = "board-busy"


class BoardQuarantinedError(InfraError):
    """A board failed too often in this run and is no longer used."""

    kind = "quarantined"


class StoreError(InfraError):
    """The result store (local directory or S3) is unreachable or refused a write."""

    kind = "store"


# --- builds ----------------------------------------------------------------------------------


class BuildError(FarmError):
    """A firmware build failed. Carries the build directory, return code and log path."""

    kind = "build"

    def __init__(
        self,
        message: str,
        *,
        build_dir: Path | None = None,
        returncode: int | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.build_dir = build_dir
        self.returncode = returncode
        self.log_path = log_path
        self.message = message
        super().__init__(message)


class ToolchainNotFoundError(BuildError, InfraError):
    """A compiler or container engine is missing: infrastructure, with what to install."""

    kind = "toolchain"

    def __init__(self, message: str, **kwargs: object) -> None:
        BuildError.__init__(self, message, **kwargs)  # type: ignore[arg-type]
        self.board = None


def error_kind(exc: BaseException) -> str:
    """Short kind label used in result rows and reports."""
    return getattr(exc, "kind", "error") if isinstance(exc, FarmError) else "error"
