"""Builds the small ONNX fixtures for ModelConvertTests and their expected outputs
(computed by onnxruntime). Run by hand: python3 make_fixtures.py (files are committed)."""
import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


def save(model, name, feeds):
    onnx.checker.check_model(model)
    onnx.save(model, f"{name}.onnx")
    sess = ort.InferenceSession(f"{name}.onnx", providers=["CPUExecutionProvider"])
    outs = sess.run(None, feeds)
    for k, v in feeds.items():
        np.save(f"{name}.input.{k}.npy", v)
    for o, v in zip(sess.get_outputs(), outs):
        np.save(f"{name}.expected.{o.name}.npy", v)


# Gemm → BatchNormalization → Relu → Identity, plus a Constant-fed Add and a dead branch.
w = rng.standard_normal((4, 3)).astype(np.float32)
b = rng.standard_normal(4).astype(np.float32)
scale, shift = rng.uniform(0.5, 1.5, 4).astype(np.float32), rng.standard_normal(4).astype(np.float32)
mean, var = rng.standard_normal(4).astype(np.float32), rng.uniform(0.5, 2, 4).astype(np.float32)
nodes = [
    helper.make_node("Gemm", ["x", "w", "b"], ["g"], name="fc", transB=1),
    helper.make_node("BatchNormalization", ["g", "scale", "shift", "mean", "var"], ["bn"], name="bn", epsilon=1e-3),
    helper.make_node("Relu", ["bn"], ["r"], name="relu"),
    helper.make_node("Identity", ["r"], ["i"], name="id"),
    helper.make_node("Constant", [], ["k"], name="k", value=numpy_helper.from_array(np.array([0.5], np.float32))),
    helper.make_node("Add", ["i", "k"], ["y"], name="add"),
    helper.make_node("Neg", ["x"], ["unused"], name="dead"),
]
graph = helper.make_graph(
    nodes, "mlp_bn",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])],
    [numpy_helper.from_array(a, n) for a, n in [(w, "w"), (b, "b"), (scale, "scale"), (shift, "shift"), (mean, "mean"), (var, "var")]],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="kiln-fixtures")
save(model, "mlp_bn", {"x": rng.standard_normal((5, 3)).astype(np.float32)})

# An unsupported operator.
graph = helper.make_graph(
    [helper.make_node("Det", ["x"], ["y"], name="determinant")], "det",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [])])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), "unsupported.onnx")
