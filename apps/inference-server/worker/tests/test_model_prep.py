"""The set-up's model preparation (gen3d_worker.model_prep): a model exported with constant resize sizes is made to
take other input sizes, computing exactly what it did at the size it was exported at."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper  # noqa: E402

from gen3d_worker.model_prep import main  # noqa: E402


def exported_like_isnet(path: Path, side: int = 16, dtype: int = TensorProto.FLOAT16) -> None:
    """Pool by 2, resize back to a constant side x side (as IMG.LY's export writes `_upsample_like`), add the input:
    Resize(x, sizes = Concat(Shape(x)[:2], Constant [side, side]))."""
    nodes = [
        helper.make_node("Cast", ["input"], ["x"], to=dtype),
        helper.make_node("MaxPool", ["x"], ["pooled"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Slice", ["shape", "zero", "two"], ["batch_channels"]),
        helper.make_node(
            "Constant", [], ["side"], value=helper.make_tensor("v", TensorProto.INT64, [2], [side] * 2)
        ),
        helper.make_node("Concat", ["batch_channels", "side"], ["sizes"], axis=0),
        helper.make_node("Resize", ["pooled", "", "", "sizes"], ["up"], mode="nearest"),
        helper.make_node("Add", ["up", "x"], ["sum"]),
        helper.make_node("Cast", ["sum"], ["output"], to=TensorProto.FLOAT),
    ]
    graph = helper.make_graph(
        nodes,
        "isnet-like",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, side, side])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, side, side])],
        [
            helper.make_tensor("zero", TensorProto.INT64, [1], [0]),
            helper.make_tensor("two", TensorProto.INT64, [1], [2]),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)


def run(path: Path, picture: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    result: npt.NDArray[np.float32] = session.run(["output"], {"input": picture})[0]
    return result


def test_any_size_takes_other_sides_and_computes_the_same_at_the_exported_one(tmp_path: Path) -> None:
    exported, prepared = tmp_path / "exported.onnx", tmp_path / "prepared.onnx"
    exported_like_isnet(exported)
    assert main(["fp16-to-fp32+any-size", str(exported), str(prepared)]) == 0
    rng = np.random.default_rng(0)
    at_export = rng.random((1, 1, 16, 16), np.float32)
    assert np.array_equal(run(prepared, at_export), run(exported, at_export))
    larger = rng.random((1, 1, 24, 24), np.float32)
    with pytest.raises(Exception, match=r"(?i)resize|shape|dimension"):
        run(exported, larger)
    out = run(prepared, larger)
    assert out.shape == (1, 1, 24, 24)
    pooled_back = larger[0, 0].reshape(12, 2, 12, 2).max(axis=(1, 3)).repeat(2, 0).repeat(2, 1)
    assert np.allclose(out[0, 0], pooled_back + larger[0, 0], atol=1e-3)  # float16 inside


def test_unknown_steps_are_refused(tmp_path: Path) -> None:
    exported = tmp_path / "exported.onnx"
    exported_like_isnet(exported)
    assert main(["fp16-to-fp32+shrink", str(exported), str(tmp_path / "out.onnx")]) == 2
    assert not (tmp_path / "out.onnx").exists()
