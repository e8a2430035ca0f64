"""The zoo's network families, written against :class:`zoo.builder.GraphBuilder`."""

from __future__ import annotations

from zoo.builder import GraphBuilder
from zoo.graph import Graph

KWS_CLASSES = 12
VWW_CLASSES = 2
IC_CLASSES = 10

# MobileNetV1 after the stem: (pointwise filters at alpha 1, depthwise stride).
_MBV1_BLOCKS = (
    [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)]
    + [(512, 1)] * 5
    + [
        (1024, 2),
        (1024, 1),
    ]
)


def _classifier(b: GraphBuilder, x: str, classes: int) -> Graph:
    """Flatten -> FC logits (balanced over the calibration set) -> SOFTMAX."""
    shape = b.graph.tensor(x).shape
    flat = 1
    for d in shape[1:]:
        flat *= d
    x = b.reshape(x, (1, flat))
    logits = b.fully_connected(x, classes, act="NONE", gain=2.0, beta_std=0.1, classifier=True)
    return b.finish(b.softmax(logits))


def dscnn(b: GraphBuilder, width: int) -> Graph:
    """Keyword spotting DS-CNN (MLPerf Tiny KWS shape): conv 10x4/2, 4 DS blocks, pool, FC."""
    x = b.conv2d(b.input, width, (10, 4), stride=2)
    for _ in range(4):
        x = b.depthwise(x, (3, 3))
        x = b.conv2d(x, width, (1, 1))
    h, w = b.graph.tensor(x).shape[1:3]
    return _classifier(b, b.pool(x, (h, w), 1, "avg"), KWS_CLASSES)


def kws_mix(b: GraphBuilder, width: int) -> Graph:
    """A KWS net that exercises the less common operators.

    PAD + VALID conv stem; two branches joined by CONCATENATION (QUANTIZE aligns their scales);
    MAX_POOL_2D; a squeeze-excite gate (MEAN keep_dims, 1x1 convs, LOGISTIC, broadcast MUL);
    global MEAN; FC; SOFTMAX.
    """
    x = b.pad(b.input, ((0, 0), (4, 5), (1, 2), (0, 0)))
    x = b.conv2d(x, width, (10, 4), stride=2, padding="VALID")
    a = b.conv2d(b.depthwise(x, (3, 3)), width, (1, 1))
    c = b.conv2d(x, width // 2, (1, 1), act="RELU6")
    x = b.pool(b.concat([a, c]), (2, 2), 2, "max")
    channels = b.graph.tensor(x).shape[3]
    gate = b.mean(x, keep_dims=True)
    gate = b.conv2d(gate, max(channels // 4, 4), (1, 1))
    gate = b.logistic(b.conv2d(gate, channels, (1, 1), act="NONE"))
    x = b.mul(x, gate)
    x = b.conv2d(b.depthwise(x, (3, 3)), 2 * width, (1, 1))
    logits = b.fully_connected(
        b.mean(x), KWS_CLASSES, act="NONE", gain=2.0, beta_std=0.1, classifier=True
    )
    return b.finish(b.softmax(logits))


def mobilenet_v1(b: GraphBuilder, alpha: float) -> Graph:
    """Visual wake words MobileNetV1 (ReLU6) at width multiplier ``alpha``."""

    def ch(c: int) -> int:
        return max(int(c * alpha), 1)

    x = b.conv2d(b.input, ch(32), (3, 3), stride=2, act="RELU6")
    for filters, stride in _MBV1_BLOCKS:
        x = b.depthwise(x, (3, 3), stride, act="RELU6")
        x = b.conv2d(x, ch(filters), (1, 1), act="RELU6")
    h, w = b.graph.tensor(x).shape[1:3]
    return _classifier(b, b.pool(x, (h, w), 1, "avg"), VWW_CLASSES)


def resnet8(b: GraphBuilder, base: int) -> Graph:
    """CIFAR-10 ResNet-8 (MLPerf Tiny IC shape) with ``base`` filters in the first stack."""
    x = b.conv2d(b.input, base, (3, 3))
    for i, filters in enumerate((base, 2 * base, 4 * base)):
        stride = 1 if i == 0 else 2
        y = b.conv2d(x, filters, (3, 3), stride=stride)
        y = b.conv2d(y, filters, (3, 3), act="NONE", gain=0.7)
        if stride != 1:
            x = b.conv2d(x, filters, (1, 1), stride=stride, act="NONE", gain=0.7)
        x = b.add(x, y, act="RELU")
    h, w = b.graph.tensor(x).shape[1:3]
    return _classifier(b, b.pool(x, (h, w), 1, "avg"), IC_CLASSES)


def autoencoder(b: GraphBuilder, hidden: int) -> Graph:
    """Anomaly detection dense autoencoder 640-h-h-h-8-h-h-h-640 (MLPerf Tiny AD shape)."""
    x = b.input
    for units in (hidden, hidden, hidden, 8, hidden, hidden, hidden):
        x = b.fully_connected(x, units)
    return b.finish(b.fully_connected(x, 640, act="NONE", beta_std=0.1))
