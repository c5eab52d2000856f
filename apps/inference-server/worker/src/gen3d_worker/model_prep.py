"""Prepares a registry package's ONNX model for this worker, at set-up time (never at run time).

IMG.LY's IS-Net "medium" is stored in float16. ONNX Runtime's CPU provider has no float16 convolutions: it runs
them through casts, slower than the same network in float32 (measured on the 2-core development machine: 2.4 s
against 1.5 s per 1024x1024 picture, docs/benchmarks.md). `fp16-to-fp32` rewrites the weights, constants, casts
and declared types to float32, exactly (float16 values are exact in float32); nothing else changes.

    python -m gen3d_worker.model_prep fp16-to-fp32 IN.onnx OUT.onnx
"""

from __future__ import annotations

import sys

import numpy as np


def fp16_to_fp32(source: str, target: str) -> None:
    import onnx  # noqa: PLC0415 - set-up only: the worker itself needs just onnxruntime
    from onnx import TensorProto, numpy_helper  # noqa: PLC0415

    model = onnx.load(source)
    graph = model.graph

    def widened(tensor: TensorProto) -> TensorProto:
        return numpy_helper.from_array(numpy_helper.to_array(tensor).astype(np.float32), tensor.name)

    for index, initializer in enumerate(graph.initializer):
        if initializer.data_type == TensorProto.FLOAT16:
            graph.initializer[index].CopyFrom(widened(initializer))
    for node in graph.node:
        for attribute in node.attribute:
            if node.op_type == "Cast" and attribute.name == "to" and attribute.i == TensorProto.FLOAT16:
                attribute.i = TensorProto.FLOAT
            if (
                node.op_type == "Constant"
                and attribute.name == "value"
                and attribute.t.data_type == TensorProto.FLOAT16
            ):
                attribute.t.CopyFrom(widened(attribute.t))
    for value in [*graph.input, *graph.output, *graph.value_info]:
        if value.type.tensor_type.elem_type == TensorProto.FLOAT16:
            value.type.tensor_type.elem_type = TensorProto.FLOAT
    # No onnx.checker here: the package's own graph lists a node before its input's producer, which ONNX Runtime
    # accepts and the checker does not; the rewrite changes types only, never the graph's order.
    onnx.save(model, target)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] != "fp16-to-fp32":
        print("usage: python -m gen3d_worker.model_prep fp16-to-fp32 IN.onnx OUT.onnx", file=sys.stderr)
        return 2
    fp16_to_fp32(argv[1], argv[2])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
