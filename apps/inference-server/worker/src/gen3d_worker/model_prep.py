"""Prepares a registry package's ONNX model for this worker, at set-up time (never at run time).

IMG.LY's IS-Net "medium" is stored in float16. ONNX Runtime's CPU provider has no float16 convolutions: it runs
them through casts, slower than the same network in float32 (measured on the 2-core development machine: 2.4 s
against 1.5 s per 1024x1024 picture, docs/benchmarks.md). `fp16-to-fp32` rewrites the weights, constants, casts
and declared types to float32, exactly (float16 values are exact in float32); nothing else changes.

`any-size` lets the network take another input size than the one it was exported at: IMG.LY's export gives each of
its 39 Resize nodes constant output sizes (those of a 1024x1024 input), which ONNX Runtime rejects at any other size.
Each becomes the same resize by scale factors (the constant size over its input's size at the export size: 2, 4, ...
for IS-Net), and the graph's input and output sides become symbolic. At 1024x1024 the network computes exactly what it
did; any side divisible by 32 then works (IS-Net pools five times; its largest block six levels deep). The model card's
`input` says the size the worker feeds it (docs/models.md: 768, measured on the tuning split).

Steps join with `+` (the card's `prepare`, e.g. `fp16-to-fp32+any-size`), applied in order.

    python -m gen3d_worker.model_prep STEP[+STEP...] IN.onnx OUT.onnx
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np


def fp16_to_fp32(model: Any) -> None:
    from onnx import TensorProto, numpy_helper  # noqa: PLC0415 - set-up only: the worker needs just onnxruntime

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


def any_size(model: Any) -> None:
    from onnx import numpy_helper, shape_inference  # noqa: PLC0415 - set-up only

    graph = model.graph
    inferred = shape_inference.infer_shapes(model).graph
    sides = {
        v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
        for v in [*inferred.value_info, *inferred.input]
    }
    producers = {output: node for node in graph.node for output in node.output}
    for node in graph.node:
        if node.op_type != "Resize" or len(node.input) < 4 or not node.input[3]:
            continue
        # sizes = Concat(batch and channels from the input's Shape, Constant [height, width])
        constant = producers[producers[node.input[3]].input[-1]]
        source = sides.get(node.input[0], [])
        if constant.op_type != "Constant" or len(source) != 4 or not all(source[2:]):
            raise ValueError(f"{node.name}: not a resize to constant sizes from a known input size")
        height, width = numpy_helper.to_array(constant.attribute[0].t).tolist()
        scales = np.array([1.0, 1.0, height / source[2], width / source[3]], np.float32)
        graph.initializer.append(numpy_helper.from_array(scales, f"{node.name}/scales"))
        node.input[2] = f"{node.name}/scales"
        del node.input[3]
    for value in [*graph.input, *graph.output]:
        dims = value.type.tensor_type.shape.dim
        dims[2].dim_param, dims[3].dim_param = "height", "width"
    del graph.value_info[:]  # the sides recorded at the export size no longer hold


STEPS: dict[str, Callable[[Any], None]] = {"fp16-to-fp32": fp16_to_fp32, "any-size": any_size}


def prepare(steps: str, source: str, target: str) -> None:
    """Applies the `+`-joined steps to the model at `source`, in order, and writes it to `target`."""
    import onnx  # noqa: PLC0415 - set-up only: the worker itself needs just onnxruntime

    chosen = [STEPS[step] for step in steps.split("+")]
    model = onnx.load(source)
    for step in chosen:
        step(model)
    # No onnx.checker here: the package's own graph lists a node before its input's producer, which ONNX Runtime
    # accepts and the checker does not; the steps never change the graph's order.
    onnx.save(model, target)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not all(step in STEPS for step in argv[0].split("+")):
        print(
            f"usage: python -m gen3d_worker.model_prep STEP[+STEP...] IN.onnx OUT.onnx (steps: {', '.join(STEPS)})",
            file=sys.stderr,
        )
        return 2
    prepare(argv[0], argv[1], argv[2])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
