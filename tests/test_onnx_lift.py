"""The 1-D -> 2-D convolution rewrite of exported graphs (arrhythmia.export.lift)."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from arrhythmia.export.lift import lift_conv1d


def _run(model, feeds):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"]).run(None, feeds)


def _ops(model):
    return [n.op_type for n in model.graph.node]


def _graph(opset: int):
    """Conv (stride, pads, dilation) -> BN -> Relu -> MaxPool, a residual Add, an AveragePool, a 3-D output."""
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(rng.standard_normal((6, 2, 5)).astype(np.float32), "w1"),
        numpy_helper.from_array(rng.standard_normal(6).astype(np.float32), "b1"),
        numpy_helper.from_array(rng.standard_normal((6, 6, 3)).astype(np.float32), "w2"),
        numpy_helper.from_array(np.abs(rng.standard_normal(6)).astype(np.float32) + 0.5, "scale"),
        numpy_helper.from_array(rng.standard_normal(6).astype(np.float32), "bias"),
        numpy_helper.from_array(rng.standard_normal(6).astype(np.float32), "mean"),
        numpy_helper.from_array(np.abs(rng.standard_normal(6)).astype(np.float32) + 0.5, "var"),
        numpy_helper.from_array(np.array([-1], np.int64), "last"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[5], strides=[2], pads=[3, 1],
                         dilations=[2]),
        helper.make_node("BatchNormalization", ["c1", "scale", "bias", "mean", "var"], ["n1"]),
        helper.make_node("Relu", ["n1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2], strides=[2]),
        helper.make_node("Conv", ["p1", "w2"], ["c2"], pads=[1, 1]),  # no kernel_shape: read from the weight
        helper.make_node("Add", ["c2", "p1"], ["s"]),
        helper.make_node("AveragePool", ["s"], ["a"], kernel_shape=[3], strides=[1], pads=[1, 1]),
        helper.make_node("ReduceMax", ["a", "last"] if opset >= 18 else ["a"], ["m"], keepdims=0,
                         **({} if opset >= 18 else {"axes": [-1]})),
    ]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2, 40])],
                          [helper.make_tensor_value_info("m", TensorProto.FLOAT, ["n", 6]),
                           helper.make_tensor_value_info("s", TensorProto.FLOAT, ["n", 6, None])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


@pytest.mark.parametrize("opset", [11, 18])  # Squeeze/Unsqueeze axes as an attribute (< 13) or an input
def test_lifted_graph_computes_the_same(opset):
    m = _graph(opset)
    lifted = lift_conv1d(m)
    for node in lifted.graph.node:  # nothing 1-D is left
        if node.op_type in ("Conv", "MaxPool", "AveragePool"):
            ks = [a for a in node.attribute if a.name == "kernel_shape"]
            assert not ks or len(ks[0].ints) == 2
    w = {i.name: numpy_helper.to_array(i) for i in lifted.graph.initializer}
    assert all(w[n.input[1]].ndim == 4 for n in lifted.graph.node if n.op_type == "Conv")
    assert _ops(lifted).count("Unsqueeze") == 1  # once, at the input; the residual stays lifted
    assert _ops(lifted).count("Squeeze") == 2  # once for ReduceMax, once for the graph output "s"
    x = np.random.default_rng(1).standard_normal((7, 2, 40)).astype(np.float32)
    for a, b in zip(_run(m, {"x": x}), _run(lifted, {"x": x})):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)  # float32 sums in another order
    assert lift_conv1d(lifted) is lifted  # nothing left to do


def test_a_graph_without_1d_convolutions_is_returned_as_is():
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
    m = helper.make_model(g)
    assert lift_conv1d(m) is m


def test_the_shipped_model_is_lifted():
    from arrhythmia.inference.annotate import default_model_path

    m = onnx.load(str(default_model_path() / "model.onnx"))
    assert lift_conv1d(m) is m  # exported through the rewrite: no 1-D convolution or pool left
    assert "Conv" in _ops(m)


def test_a_pool_whose_indices_are_read_is_left_1d():
    rng = np.random.default_rng(2)
    w = numpy_helper.from_array(rng.standard_normal((3, 1, 3)).astype(np.float32), "w")
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], kernel_shape=[3], pads=[1, 1]),
             helper.make_node("MaxPool", ["c"], ["p", "idx"], kernel_shape=[2], strides=[2]),
             helper.make_node("Cast", ["idx"], ["i"], to=TensorProto.FLOAT)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 1, 10])],
                          [helper.make_tensor_value_info("p", TensorProto.FLOAT, ["n", 3, 5]),
                           helper.make_tensor_value_info("i", TensorProto.FLOAT, ["n", 3, 5])], [w])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
    lifted = lift_conv1d(m)
    pool = next(n for n in lifted.graph.node if n.op_type == "MaxPool")
    assert list(pool.input) == ["c"]  # the conv before it is lifted, the pool reads its 3-D twin
    assert lift_conv1d(lifted) is lifted  # the pool left 1-D is not something left to do
    x = rng.standard_normal((4, 1, 10)).astype(np.float32)
    for a, b in zip(_run(m, {"x": x}), _run(lifted, {"x": x})):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_shared_weights_inputs_that_are_initializers_and_taken_names():
    rng = np.random.default_rng(3)
    w = numpy_helper.from_array(rng.standard_normal((2, 2, 3)).astype(np.float32), "w")
    v = numpy_helper.from_array(rng.standard_normal((2, 2, 3)).astype(np.float32), "v")  # also a graph input
    nodes = [helper.make_node("Conv", ["x", "w"], ["x__2d"], pads=[1, 1]),  # a name the rewrite would choose
             helper.make_node("Conv", ["x__2d", "w"], ["b"], pads=[1, 1]),  # the same weight again
             helper.make_node("Conv", ["b", "v"], ["c"], kernel_shape=[3], pads=[1, 1])]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2, 12]),
                                       helper.make_tensor_value_info("v", TensorProto.FLOAT, [2, 2, 3])],
                          [helper.make_tensor_value_info("c", TensorProto.FLOAT, ["n", 2, 12])], [w, v])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
    lifted = lift_conv1d(m)
    assert sum(i.name.startswith("w__2d") for i in lifted.graph.initializer) == 1
    assert "v" in {i.name for i in lifted.graph.initializer}  # still there, and still a default for the feed
    x = rng.standard_normal((3, 2, 12)).astype(np.float32)
    other = rng.standard_normal((2, 2, 3)).astype(np.float32)
    for feeds in ({"x": x}, {"x": x, "v": other}):  # the input overrides the initializer in both graphs
        np.testing.assert_allclose(_run(m, feeds)[0], _run(lifted, feeds)[0], rtol=1e-5, atol=1e-5)
    assert lift_conv1d(lifted) is lifted
