"""The zoo's graph representation: int8 tensors and operators in TFLite's vocabulary.

A :class:`Graph` is what both exporters read. It is produced by
:class:`zoo.builder.GraphBuilder`, which computes every activation eagerly in float.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from zoo.quant import QParams


@dataclass
class Tensor:
    """One tensor of the graph (shape with batch 1, NHWC)."""

    name: str
    shape: tuple[int, ...]
    dtype: str  # "int8" or "int32"
    qparams: QParams | None = None
    data: np.ndarray | None = None  # constant contents as stored in the .tflite
    float_data: np.ndarray | None = None  # dequantized constant, for the float twin

    @property
    def is_constant(self) -> bool:
        """True for weights, biases and shape/axis operands."""
        return self.data is not None


@dataclass
class Op:
    """One operator: TFLite builtin name, operand names and options."""

    kind: str
    inputs: list[str]
    outputs: list[str]
    options: dict[str, object] = field(default_factory=dict)
    macs: int = 0


@dataclass
class Graph:
    """A whole model: tensors in creation order, operators in execution order."""

    name: str
    tensors: dict[str, Tensor] = field(default_factory=dict)
    ops: list[Op] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)

    @property
    def macs(self) -> int:
        """Multiply-accumulates of one inference (conv, depthwise, fully connected)."""
        return sum(op.macs for op in self.ops)

    @property
    def params(self) -> int:
        """Number of weight and bias values (shape/axis operands excluded)."""
        total = 0
        for op in self.ops:
            if op.kind in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
                total += sum(self.tensors[name].data.size for name in op.inputs[1:])
        return total

    def tensor(self, name: str) -> Tensor:
        """Tensor by name."""
        return self.tensors[name]
