"""Read a .tflite file into the schema's object tree (for assertions on the written bytes)."""

from __future__ import annotations

from pathlib import Path

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as S

OP_NAMES = {v: k for k, v in vars(S.BuiltinOperator).items() if not k.startswith("_")}


def read_model(path: Path) -> S.ModelT:
    """Unpack a whole model (small zoo files only)."""
    buf = path.read_bytes()
    assert S.Model.ModelBufferHasIdentifier(buf, 0), f"{path}: no TFL3 identifier"
    return S.ModelT.InitFromObj(S.Model.GetRootAs(buf, 0))


def op_kinds(model: S.ModelT) -> list[str]:
    """Builtin operator names in execution order."""
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in model.operatorCodes]
    return [OP_NAMES[codes[op.opcodeIndex]] for op in model.subgraphs[0].operators]
