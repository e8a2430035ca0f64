"""joulefarm remote runner: runs one model on a Linux board and prints one JSON document.

Uploaded by the farm over SFTP and run with the board's ``python3``. Self-contained on purpose:
stdlib + numpy + whichever runtime the board has (Python >= 3.8); it must never import
``farm``. Protocol (``PROTOCOL``):

* stdout carries exactly one JSON document (library chatter is redirected to stderr);
* stderr carries ``@@phase <name> <monotonic_s>`` lines as phases change (and ``@@sync``
  lines while idling before the window), so a lab-PC power monitor can map the board's clock
  onto its own and align its samples with the timed window;
* ``--status-file`` holds the current phase (``loading``, ``warmup``, ``baseline``, ``timed``,
  ``done``) and the runner's pid, so a hung run can be diagnosed; virtual boards read it to
  drive their power model.

Runtimes are tried in order ai_edge_litert, tflite_runtime (``.tflite``) and onnxruntime
(``.onnx``). A missing runtime is not an error of the runner: the JSON says
``"status": "runtime-missing"`` with the reason; a runtime that rejects the model or its
inputs gives ``"status": "model-error"``; anything else ``"status": "error"``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import sys
import threading
import time

PROTOCOL = 1
TFLITE_RUNTIMES = ("ai_edge_litert", "tflite_runtime")
DISTRIBUTIONS = {"ai_edge_litert": "ai-edge-litert", "tflite_runtime": "tflite-runtime"}


def module_version(name: str) -> str | None:
    """Version of an importable module, or None when it cannot be imported."""
    try:
        module = __import__(name)
    except Exception:  # a broken install counts as missing
        return None
    version = getattr(module, "__version__", None)
    if version is None:
        try:
            from importlib.metadata import version as dist_version

            version = dist_version(DISTRIBUTIONS.get(name, name))
        except Exception:
            version = "unknown"
    return str(version)


def detect_runtimes(names: tuple = (*TFLITE_RUNTIMES, "onnxruntime", "numpy")) -> dict[str, str]:
    """Runtimes among ``names`` importable on this board, name -> version, in that order."""
    found = {}
    for name in names:
        version = module_version(name)
        if version is not None:
            found[name] = version
    return found


def runtimes_for(model: str) -> dict[str, str]:
    """numpy and the runtimes that could run ``model`` (importing onnxruntime costs ~0.2 s of
    CPU, so a .tflite run does not load it)."""
    ext = os.path.splitext(model)[1].lower()
    found = detect_runtimes(("numpy",))
    if ext == ".tflite":
        for name in TFLITE_RUNTIMES:
            found.update(detect_runtimes((name,)))
            if name in found:
                break
    elif ext == ".onnx":
        found.update(detect_runtimes(("onnxruntime",)))
    return found


class TfliteSession:
    """LiteRT / tflite_runtime interpreter for one single-input model."""

    def __init__(self, runtime: str, model: str, threads: int, resolver: str) -> None:
        if runtime == "ai_edge_litert":
            from ai_edge_litert import interpreter as tfl
        else:
            from tflite_runtime import interpreter as tfl
        kind = tfl.OpResolverType.BUILTIN_REF if resolver == "ref" else tfl.OpResolverType.AUTO
        self.interp = tfl.Interpreter(
            model_path=model, num_threads=threads, experimental_op_resolver_type=kind
        )
        self.interp.allocate_tensors()
        self.input = self.interp.get_input_details()
        self.output = self.interp.get_output_details()
        if len(self.input) != 1:
            raise ValueError(f"model has {len(self.input)} inputs; the runner feeds exactly one")

    def set_input(self, array):
        detail = self.input[0]
        self.interp.set_tensor(detail["index"], _conform(array, detail["dtype"], detail["shape"]))

    def invoke(self) -> None:
        self.interp.invoke()

    def outputs(self) -> list:
        return [self.interp.get_tensor(d["index"]).copy() for d in self.output]


class OnnxSession:
    """onnxruntime CPU session for one single-input model."""

    def __init__(self, model: str, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.sess = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        inputs = self.sess.get_inputs()
        if len(inputs) != 1:
            raise ValueError(f"model has {len(inputs)} inputs; the runner feeds exactly one")
        self.name = inputs[0].name
        self.feed = None
        self.last = []

    def set_input(self, array) -> None:
        self.feed = {self.name: array}

    def invoke(self) -> None:
        self.last = self.sess.run(None, self.feed)

    def outputs(self) -> list:
        return [o.copy() for o in self.last]


def _conform(array, dtype, shape):
    import numpy as np

    array = np.asarray(array)
    if array.dtype != np.dtype(dtype):
        raise ValueError(f"input dtype {array.dtype} but the model expects {dtype}")
    if array.size != int(np.prod(shape)):
        raise ValueError(f"input shape {array.shape} does not fit the model's {list(shape)}")
    return array.reshape(shape)


def open_session(model: str, threads: int, resolver: str, runtimes: dict):
    """(session, runtime name) for ``model``, or (None, reason) when no runtime can run it."""
    ext = os.path.splitext(model)[1].lower()
    if ext == ".tflite":
        for name in TFLITE_RUNTIMES:
            if name in runtimes:
                return TfliteSession(name, model, threads, resolver), name
        return None, "no TFLite runtime on the board (tried ai_edge_litert, tflite_runtime)"
    if ext == ".onnx":
        if "onnxruntime" in runtimes:
            return OnnxSession(model, threads), "onnxruntime"
        return None, "no ONNX runtime on the board (onnxruntime is not importable)"
    return None, f"unsupported model format {ext!r}; the runner runs .tflite and .onnx"


class Phases:
    """Publishes the current phase to the status file and as a stderr marker line."""

    def __init__(self, status_file: str | None) -> None:
        self.status_file = status_file
        self.times: dict[str, float] = {}

    def enter(self, name: str) -> float:
        now = time.monotonic()
        self.times[name] = now
        if self.status_file:
            tmp = self.status_file + ".tmp"
            with open(tmp, "w") as handle:
                handle.write(f"{name} {os.getpid()}\n")
            os.replace(tmp, self.status_file)
        sys.stderr.write(f"@@phase {name} {now:.6f}\n")
        sys.stderr.flush()
        return now

    def idle_with_sync_marks(self, duration_s: float, every_s: float = 0.02) -> None:
        """Sleep, printing ``@@sync <monotonic_s>`` lines: a lab-side monitor maps our clock
        onto its own by the smallest (arrival - stamp) among all marks."""
        end = time.monotonic() + duration_s
        while True:
            now = time.monotonic()
            if now >= end:
                return
            sys.stderr.write(f"@@sync {now:.6f}\n")
            sys.stderr.flush()
            time.sleep(min(every_s, end - now))


def load_sampler_module(path: str):
    """The uploaded ina3221 sampler as a module (it starts and summarizes its own process)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("joulefarm_ina3221", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def encode(array) -> dict:
    return {
        "dtype": str(array.dtype),
        "shape": list(array.shape),
        "b64": base64.b64encode(array.tobytes()).decode("ascii"),
    }


def run(args: argparse.Namespace, phases: Phases) -> dict:
    """Load, check outputs, warm up, then time; returns the result document."""
    runtimes = runtimes_for(args.model)
    if "numpy" not in runtimes:
        return {"status": "runtime-missing", "reason": "numpy is not importable on the board",
                "runtimes": runtimes}  # fmt: skip
    import numpy as np

    inputs = [np.load(path, allow_pickle=False) for path in args.inputs]
    try:  # the runtime refusing this model or these inputs is a finding, not a lab failure
        session, runtime = open_session(args.model, args.threads, args.resolver, runtimes)
        if session is None:
            return {"status": "runtime-missing", "reason": runtime, "runtimes": runtimes}
        outputs = []
        for array in inputs:
            session.set_input(array)
            session.invoke()
            outputs.append([encode(o) for o in session.outputs()])
    except Exception as exc:
        return {"status": "model-error", "reason": f"{type(exc).__name__}: {exc}",
                "runtimes": runtimes}  # fmt: skip
    phases.enter("warmup")
    for i in range(args.warmup):
        session.set_input(inputs[i % len(inputs)])
        session.invoke()
    session.set_input(inputs[0])
    sampler = ina = None
    if args.power_rails:
        ina = load_sampler_module(args.sampler)
        out = os.path.join(args.work_dir, "power.tsv")
        sampler = ina.SamplerProcess(args.sampler, args.sysfs_root, args.power_rails,
                                     args.power_period_ms, out)  # fmt: skip
    if args.power_rails or args.baseline_s > 0:
        phases.enter("baseline")
        phases.idle_with_sync_marks(args.baseline_s)
    latencies = []
    clock = time.perf_counter_ns
    start = phases.enter("timed")
    while len(latencies) < args.iterations or time.monotonic() - start < args.min_window_s:
        t = clock()
        session.invoke()
        latencies.append((clock() - t) / 1e6)
    phases.enter("done")
    lat = np.asarray(latencies)
    doc = {
        "status": "ok",
        "runtime": {"name": runtime, "version": runtimes[runtime]},
        "resolver": ("builtin_ref" if args.resolver == "ref" else "builtin") if runtime != "onnxruntime" else None,
        "iterations": len(latencies),
        "iterations_requested": args.iterations,
        "warmup": args.warmup,
        "threads": args.threads,
        "latency_ms": {"median": float(np.median(lat)), "p90": float(np.percentile(lat, 90)),
                       "min": float(lat.min()), "max": float(lat.max()), "mean": float(lat.mean())},
        "window": {"start_s": start, "end_s": phases.times["done"], "inferences": len(latencies),
                   "invoke_s": float(lat.sum()) / 1000.0},
        "outputs": outputs,
        "runtimes": runtimes,
    }  # fmt: skip
    if sampler is not None:
        doc["power"] = ina.summarize(sampler.stop(), phases.times, len(latencies))
    return doc


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="joulefarm remote runner")
    p.add_argument("--detect", action="store_true", help="print the runtimes found and exit")
    p.add_argument("--model")
    p.add_argument("--inputs", nargs="*", default=[])
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--iterations", type=int, default=50)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--resolver", choices=("ref", "default"), default="ref")
    p.add_argument("--min-window-s", type=float, default=0.0)
    p.add_argument("--baseline-s", type=float, default=0.0)
    p.add_argument("--power-rails", default="")
    p.add_argument("--power-period-ms", type=float, default=0.0)
    p.add_argument("--sysfs-root", default="/sys")
    p.add_argument("--sampler", default="")
    p.add_argument("--work-dir", default=".")
    p.add_argument("--status-file")
    p.add_argument("--deadline-s", type=float, default=0.0)
    p.add_argument("--json", action="store_true", help="accepted for clarity; output is JSON")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    # Runtimes print banners on stdout: keep fd 1 for our JSON only.
    json_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    args = parse_args(argv)
    if args.work_dir:
        os.makedirs(args.work_dir, exist_ok=True)
    if args.deadline_s > 0:  # the board enforces the timeout even if the SSH client vanished
        timer = threading.Timer(args.deadline_s, lambda: os._exit(124))
        timer.daemon = True
        timer.start()
    meta = {
        "protocol": PROTOCOL,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    if args.detect:
        doc = {"status": "ok", "runtimes": detect_runtimes()}
    else:
        phases = Phases(args.status_file)
        phases.enter("loading")
        try:
            doc = run(args, phases)
        except Exception as exc:  # reported to the farm, not swallowed
            doc = {"status": "error", "reason": f"{type(exc).__name__}: {exc}"}
        phases.enter("finished")
    doc.update(meta)
    json_out.write(json.dumps(doc) + "\n")
    json_out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
