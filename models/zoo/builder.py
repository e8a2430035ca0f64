"""Eager float builder that turns layer calls into a calibrated int8 :class:`Graph`.

Each layer draws He-normal weights, runs them on the calibration batch, and folds random
batch-norm statistics into them (per channel: scale the output to a random gain, shift it to a
random offset), which is what a trained network's folded BatchNorm looks like to a quantizer.
The folded weights are then quantized, and the layer is re-run with the *dequantized* weights so
the recorded activations (hence the calibrated ranges) are exactly the float twin's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from zoo import float_ops as F
from zoo.graph import Graph, Op, Tensor
from zoo.quant import (
    LOGISTIC_OUT,
    SOFTMAX_OUT,
    QParams,
    activation_qparams,
    dequantize_weights,
    quantize_bias,
    quantize_weights,
    snap_array,
)

# A layer's float computation: (activations, weights, bias) -> pre-activation outputs.
Layer = Callable[[np.ndarray, np.ndarray, "np.ndarray | float"], np.ndarray]

ACTIVE_BETA_MEAN = 1.0


class GraphBuilder:
    """Builds a graph layer by layer on a batch of float calibration inputs."""

    def __init__(self, name: str, seed: int, calib: np.ndarray, input_q: QParams | None) -> None:
        """Start a graph whose input is the batch ``calib`` (N, ...)."""
        self.graph = Graph(name)
        self.rng = np.random.default_rng(seed)
        self.acts: dict[str, np.ndarray] = {}
        self._count = 0
        q = input_q or activation_qparams(float(calib.min()), float(calib.max()))
        self.input = self._activation(f"{name}/input", calib, q)
        self.graph.inputs.append(self.input)

    # --- bookkeeping ---------------------------------------------------------------------

    def _name(self, kind: str) -> str:
        self._count += 1
        return f"{self.graph.name}/{kind}_{self._count}"

    def _activation(self, name: str, value: np.ndarray, q: QParams | None = None) -> str:
        if q is None:
            q = activation_qparams(float(value.min()), float(value.max()))
        shape = (1, *value.shape[1:])
        self.graph.tensors[name] = Tensor(name, shape, "int8", q)
        self.acts[name] = value
        return name

    def _const(
        self,
        name: str,
        data: np.ndarray,
        q: QParams | None = None,
        fdata: np.ndarray | None = None,
    ) -> str:
        dtype = "int8" if data.dtype == np.int8 else "int32"
        self.graph.tensors[name] = Tensor(name, tuple(data.shape), dtype, q, data, fdata)
        return name

    def q(self, name: str) -> QParams:
        """Quantization of a tensor."""
        return self.graph.tensors[name].qparams

    def _fold(
        self, z: np.ndarray, gain: float, beta_std: float, beta_mean: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per-channel (factor, bias) mapping pre-activations z to N(beta, gain * U(.5, 1.5))."""
        axes = tuple(range(z.ndim - 1))
        mean, std = z.mean(axis=axes), z.std(axis=axes) + 1e-6
        gamma = gain * self.rng.uniform(0.5, 1.5, size=mean.shape)
        beta = self.rng.normal(beta_mean, beta_std, size=mean.shape)
        factor = snap_array(gamma / std)
        return factor, snap_array(beta - mean * factor)

    def _weighted(
        self,
        kind: str,
        x: str,
        w: np.ndarray,
        axis: int | None,
        run: Layer,
        act: str,
        fold: tuple[float, float],
    ) -> tuple[str, str, str, np.ndarray]:
        """Fold, quantize and re-run one weighted layer; returns (w, b, out, outputs)."""
        xin = self.acts[x]
        # Positive offsets before a ReLU keep most units active, as trained BatchNorm tends to;
        # with zero-mean offsets half the units die and random deep nets become chaotic, so the
        # int8 model and its float twin drift apart (measured: VWW argmax agreement 0.73 -> 0.95).
        beta_mean = ACTIVE_BETA_MEAN if act != "NONE" else 0.0
        factor, bias = self._fold(run(xin, w, 0.0), *fold, beta_mean)
        shape = [1] * w.ndim
        shape[3 if kind == "DEPTHWISE_CONV_2D" else 0] = -1
        wq, wp = quantize_weights(w * factor.reshape(shape), axis)
        bq, bp = quantize_bias(bias, self.q(x).scale[0], wp)
        wdq = dequantize_weights(wq, wp)
        bdq = (bq.astype(np.float64) * np.asarray(bp.scale, dtype=np.float64)).astype(np.float32)
        y = F.activation(run(xin, wdq, bdq), act)
        base = self._name(kind.lower())
        wname = self._const(base + "/weights", wq, wp, wdq)
        bname = self._const(base + "/bias", bq, bp, bdq)
        return wname, bname, self._activation(base, y), y

    # --- layers --------------------------------------------------------------------------

    def conv2d(
        self,
        x: str,
        filters: int,
        kernel: tuple[int, int],
        stride: int = 1,
        padding: str = "SAME",
        act: str = "RELU",
        gain: float = 1.0,
        beta_std: float = 0.5,
    ) -> str:
        """CONV_2D with per-channel int8 weights (OHWI) and fused activation."""
        cin = self.acts[x].shape[-1]
        w = self.rng.normal(
            0.0, np.sqrt(2.0 / (kernel[0] * kernel[1] * cin)), (filters, *kernel, cin)
        )

        def run(v: np.ndarray, wt: np.ndarray, b: np.ndarray | float) -> np.ndarray:
            return F.conv2d(v, wt, b, stride, padding)

        wn, bn, out, y = self._weighted("CONV_2D", x, w, 0, run, act, (gain, beta_std))
        opts = {"padding": padding, "stride": stride, "act": act}
        macs = int(np.prod(y.shape[1:])) * kernel[0] * kernel[1] * cin
        self.graph.ops.append(Op("CONV_2D", [x, wn, bn], [out], opts, macs))
        return out

    def depthwise(
        self,
        x: str,
        kernel: tuple[int, int] = (3, 3),
        stride: int = 1,
        padding: str = "SAME",
        act: str = "RELU",
        gain: float = 1.0,
        beta_std: float = 0.5,
    ) -> str:
        """DEPTHWISE_CONV_2D (multiplier 1), per-channel weights along dimension 3."""
        c = self.acts[x].shape[-1]
        w = self.rng.normal(0.0, np.sqrt(2.0 / (kernel[0] * kernel[1])), (1, *kernel, c))

        def run(v: np.ndarray, wt: np.ndarray, b: np.ndarray | float) -> np.ndarray:
            return F.depthwise_conv2d(v, wt, b, stride, padding)

        wn, bn, out, y = self._weighted("DEPTHWISE_CONV_2D", x, w, 3, run, act, (gain, beta_std))
        opts = {"padding": padding, "stride": stride, "act": act}
        macs = int(np.prod(y.shape[1:])) * kernel[0] * kernel[1]
        self.graph.ops.append(Op("DEPTHWISE_CONV_2D", [x, wn, bn], [out], opts, macs))
        return out

    def fully_connected(
        self,
        x: str,
        units: int,
        act: str = "RELU",
        gain: float = 1.0,
        beta_std: float = 0.5,
        classifier: bool = False,
    ) -> str:
        """FULLY_CONNECTED on a [1, n] tensor, per-tensor int8 weights [units, n].

        ``classifier`` weights each input by how much it varies across inputs, as a trained
        classifier leans on discriminative features; otherwise logits hang on feature
        differences below the int8 step and the int8 argmax is noise.
        """
        n = self.acts[x].shape[-1]
        w = self.rng.normal(0.0, np.sqrt(2.0 / n), (units, n))
        if classifier:
            spread = self.acts[x].std(axis=0)
            w = w * snap_array(spread / (spread.mean() + 1e-9) + 0.05)
        wn, bn, out, _ = self._weighted(
            "FULLY_CONNECTED", x, w, None, F.fully_connected, act, (gain, beta_std)
        )
        self.graph.ops.append(Op("FULLY_CONNECTED", [x, wn, bn], [out], {"act": act}, units * n))
        return out

    def pool(self, x: str, size: tuple[int, int], stride: int, kind: str = "avg") -> str:
        """AVERAGE_POOL_2D / MAX_POOL_2D, VALID; output keeps the input's quantization."""
        y = F.pool2d(self.acts[x], size, stride, kind)
        op = "AVERAGE_POOL_2D" if kind == "avg" else "MAX_POOL_2D"
        out = self._activation(self._name(op.lower()), y, self.q(x))
        opts = {"padding": "VALID", "stride": stride, "size": size, "act": "NONE"}
        self.graph.ops.append(Op(op, [x], [out], opts))
        return out

    def reshape(self, x: str, shape: tuple[int, ...]) -> str:
        """RESHAPE (batch 1 included in ``shape``); keeps the input's quantization."""
        base = self._name("reshape")
        y = self.acts[x].reshape((-1, *shape[1:]))
        sname = self._const(base + "/shape", np.asarray(shape, dtype=np.int32))
        out = self._activation(base, y, self.q(x))
        self.graph.ops.append(Op("RESHAPE", [x, sname], [out], {"shape": shape}))
        return out

    def pad(self, x: str, pads: tuple[tuple[int, int], ...]) -> str:
        """PAD with zeros (the zero point); keeps the input's quantization."""
        base = self._name("pad")
        y = np.pad(self.acts[x], ((0, 0), *pads[1:]))
        pname = self._const(base + "/paddings", np.asarray(pads, dtype=np.int32))
        out = self._activation(base, y, self.q(x))
        self.graph.ops.append(Op("PAD", [x, pname], [out], {"pads": pads}))
        return out

    def add(self, a: str, b: str, act: str = "NONE") -> str:
        """ADD of two same-shape tensors with fused activation."""
        y = F.activation(self.acts[a] + self.acts[b], act)
        out = self._activation(self._name("add"), y)
        self.graph.ops.append(Op("ADD", [a, b], [out], {"act": act}))
        return out

    def mul(self, a: str, b: str, act: str = "NONE") -> str:
        """MUL, broadcasting ``b`` (e.g. [1,1,1,C] channel gates) over ``a``."""
        y = F.activation(self.acts[a] * self.acts[b], act)
        out = self._activation(self._name("mul"), y)
        self.graph.ops.append(Op("MUL", [a, b], [out], {"act": act}))
        return out

    def requantize(self, x: str, q: QParams) -> str:
        """QUANTIZE int8 -> int8 to new parameters (what converters insert before CONCAT)."""
        out = self._activation(self._name("quantize"), self.acts[x], q)
        self.graph.ops.append(Op("QUANTIZE", [x], [out]))
        return out

    def concat(self, xs: list[str], axis: int = 3) -> str:
        """CONCATENATION; inputs with other parameters are requantized to the output's."""
        y = np.concatenate([self.acts[x] for x in xs], axis=axis)
        q = activation_qparams(float(y.min()), float(y.max()))
        ins = [x if self.q(x) == q else self.requantize(x, q) for x in xs]
        out = self._activation(self._name("concatenation"), y, q)
        self.graph.ops.append(Op("CONCATENATION", ins, [out], {"axis": axis, "act": "NONE"}))
        return out

    def mean(self, x: str, axes: tuple[int, ...] = (1, 2), keep_dims: bool = False) -> str:
        """MEAN over spatial axes (global average pooling as converters emit it)."""
        base = self._name("mean")
        y = self.acts[x].mean(axis=axes, keepdims=keep_dims)
        aname = self._const(base + "/axis", np.asarray(axes, dtype=np.int32))
        out = self._activation(base, y)
        self.graph.ops.append(Op("MEAN", [x, aname], [out], {"keep_dims": keep_dims}))
        return out

    def softmax(self, x: str) -> str:
        """SOFTMAX (beta 1) with TFLite's fixed output quantization 1/256, -128."""
        y = F.softmax(self.acts[x])
        out = self._activation(self._name("softmax"), y, SOFTMAX_OUT)
        self.graph.ops.append(Op("SOFTMAX", [x], [out], {"beta": 1.0}))
        return out

    def logistic(self, x: str) -> str:
        """LOGISTIC with TFLite's fixed output quantization 1/256, -128."""
        y = F.logistic(self.acts[x])
        out = self._activation(self._name("logistic"), y, LOGISTIC_OUT)
        self.graph.ops.append(Op("LOGISTIC", [x], [out]))
        return out

    def dequantize(self, x: str) -> str:
        """DEQUANTIZE int8 -> float32 (not used by the zoo, whose outputs are int8)."""
        name = self._name("dequantize")
        self.graph.tensors[name] = Tensor(name, self.graph.tensors[x].shape, "float32")
        self.acts[name] = self.acts[x]
        self.graph.ops.append(Op("DEQUANTIZE", [x], [name]))
        return name

    def finish(self, *outputs: str) -> Graph:
        """Mark the outputs and return the graph."""
        self.graph.outputs.extend(outputs)
        return self.graph
