"""Generator of joulefarm's int8 model zoo (see models/README.md).

The package builds each network eagerly in float (numpy), folds random batch-norm-like
statistics into the weights, calibrates activation ranges on generated data, and writes the
result twice: an int8 TFLite flatbuffer (via the schema's object API, no TensorFlow) and a float
ONNX twin with the dequantized weights.
"""
