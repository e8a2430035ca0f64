"""The list of zoo models: name, task, family, width, seed and how to build each."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from zoo import architectures as A
from zoo import inputs
from zoo.builder import GraphBuilder
from zoo.graph import Graph
from zoo.quant import QParams

CALIBRATION_INPUTS = {"kws": 128, "vww": 32, "ic": 64, "ad": 256}
# Images keep their natural grid: int8 = pixel - 128, i.e. scale 1/255, zero point -128.
IMAGE_Q = QParams((float(np.float32(1.0 / 255.0)),), (-128,))


@dataclass(frozen=True)
class ZooModel:
    """One entry of the zoo."""

    name: str
    task: str  # kws | vww | ic | ad
    family: str
    width: str
    arch: Callable[[GraphBuilder, float], Graph]
    arch_arg: float

    @property
    def seed(self) -> int:
        """Stable per-model seed (independent of the list order)."""
        return zlib.crc32(self.name.encode())

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` float inputs of this model's task, shape (n, *input_shape[1:])."""
        if self.task == "kws":
            return inputs.mfcc(rng, n)
        if self.task == "vww":
            return inputs.images(rng, n, 96)
        if self.task == "ic":
            return inputs.images(rng, n, 32)
        return inputs.logmel(rng, n)

    def build(self) -> Graph:
        """Build and calibrate the int8 graph (deterministic)."""
        rng = np.random.default_rng(self.seed)
        calib = self.sample(rng, CALIBRATION_INPUTS[self.task])
        fixed_q = IMAGE_Q if self.task in ("vww", "ic") else None
        builder = GraphBuilder(self.name, self.seed + 1, calib, fixed_q)
        return self.arch(builder, self.arch_arg)


ZOO: tuple[ZooModel, ...] = (
    ZooModel("kws_dscnn_16", "kws", "dscnn", "16", A.dscnn, 16),
    ZooModel("kws_dscnn_32", "kws", "dscnn", "32", A.dscnn, 32),
    ZooModel("kws_dscnn_64", "kws", "dscnn", "64", A.dscnn, 64),
    ZooModel("kws_mix_16", "kws", "mix", "16", A.kws_mix, 16),
    ZooModel("vww_mbv1_010", "vww", "mbv1", "010", A.mobilenet_v1, 0.10),
    ZooModel("vww_mbv1_025", "vww", "mbv1", "025", A.mobilenet_v1, 0.25),
    ZooModel("ic_resnet8_4", "ic", "resnet8", "4", A.resnet8, 4),
    ZooModel("ic_resnet8_8", "ic", "resnet8", "8", A.resnet8, 8),
    ZooModel("ic_resnet8_16", "ic", "resnet8", "16", A.resnet8, 16),
    ZooModel("ad_fc_32", "ad", "fc", "32", A.autoencoder, 32),
    ZooModel("ad_fc_64", "ad", "fc", "64", A.autoencoder, 64),
    ZooModel("ad_fc_128", "ad", "fc", "128", A.autoencoder, 128),
)


def by_name(name: str) -> ZooModel:
    """Zoo entry by file stem."""
    for model in ZOO:
        if model.name == name:
            return model
    raise KeyError(name)
