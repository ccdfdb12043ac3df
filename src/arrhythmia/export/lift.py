"""Run an ONNX graph's 1-D convolutions as 2-D ones of height 1.

onnxruntime's CPU provider runs 2-D convolutions in a blocked channel layout
(NCHWc) with vectorised kernels, and 1-D ones through a generic path: on the
shipped model (three small CNNs over 2,271 beats of 4 x 300 samples), the
same arithmetic takes about half the time as 2-D (``benchmarks/bench_network.py``
and docs/benchmarks.md). :func:`lift_conv1d` rewrites a graph so that every
1-D ``Conv``/``MaxPool``/``AveragePool`` and the element-wise nodes between
them work on (batch, channels, 1, samples) tensors; a tensor goes back to
three dimensions (``Squeeze``) only where a node that was not lifted, or the
graph's output, reads it. The weights are the same numbers with an axis
added, so the outputs agree with the 1-D graph up to the summation order of
the kernels (``tests/test_onnx_lift.py`` checks hand-built graphs, ``tests/test_models_contract.py`` every
registered model's export).
"""

from __future__ import annotations

import numpy as np

POOLS = ("MaxPool", "AveragePool")
#: nodes that work unchanged on a lifted tensor when their first input is lifted
ELEMENTWISE = ("Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu", "Selu", "Identity", "BatchNormalization",
               "Dropout")
#: binary nodes kept lifted when both inputs are lifted (residual sums)
BINARY = ("Add", "Sub", "Mul")
_AXES = "arrhythmia_lift_axis2"


def _attrs(node) -> dict:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _lifted_attrs(attrs: dict, k_default: int | None) -> dict:
    """The 1-D attributes of a convolution or pooling as 2-D ones of height 1."""
    out = dict(attrs)
    k = attrs.get("kernel_shape", [k_default] if k_default else None)
    if k is not None:
        out["kernel_shape"] = [1, int(k[0])]
    for name in ("strides", "dilations"):
        if name in attrs:
            out[name] = [1, int(attrs[name][0])]
    if "pads" in attrs:
        out["pads"] = [0, int(attrs["pads"][0]), 0, int(attrs["pads"][1])]
    return out


def _is_1d(node, inits: dict) -> bool:
    attrs = _attrs(node)
    if "kernel_shape" in attrs:
        return len(attrs["kernel_shape"]) == 1
    if node.op_type == "Conv" and node.input[1] in inits:
        return inits[node.input[1]].ndim == 3
    return False


def lift_conv1d(model):
    """Return a copy of an ONNX model whose 1-D convolutions and pools are 2-D.

    Parameters
    ----------
    model : onnx.ModelProto

    Returns
    -------
    onnx.ModelProto
        The same model when it has no 1-D convolution or pool (nothing to do);
        otherwise a new model with the same inputs, outputs and metadata.
    """
    import onnx
    from onnx import numpy_helper

    g = model.graph
    inputs = {i.name for i in g.input}
    # an initializer that is also a graph input may be fed at run time: not a constant weight
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer if i.name not in inputs}
    if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for n in g.node for a in n.attribute):
        return model  # subgraphs (If, Loop, Scan) may read outer tensors by name: left as they are
    names = inputs | {i.name for i in g.initializer} | {o for n in g.node for o in n.output} | {
        o.name for o in g.output}
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 18)
    lifter = _Lifter(inits, inputs, axes_as_input=opset >= 13, taken=names)
    if not any(lifter.kind(n) == "lift" for n in g.node):
        return model
    for node in g.node:
        lifter.visit(node)
    for out in g.output:
        lifter.need_plain(out.name)

    new = onnx.ModelProto()
    new.CopyFrom(model)
    del new.graph.node[:]
    new.graph.node.extend(lifter.nodes)
    new.graph.initializer.extend(lifter.new_inits)
    if lifter.axes_as_input:
        new.graph.initializer.append(numpy_helper.from_array(np.array([2], np.int64), lifter.axes))
    used = {i for n in new.graph.node for i in n.input} | inputs | {o.name for o in g.output}
    keep = [i for i in new.graph.initializer if i.name in used]
    del new.graph.initializer[:]
    new.graph.initializer.extend(keep)
    del new.graph.value_info[:]  # shapes of renamed tensors: let the runtime infer them
    onnx.checker.check_model(new)
    return new


class _Lifter:
    """The rewrite's state over the graph's nodes, in order: which tensors have a lifted (4-D) twin."""

    def __init__(self, inits: dict, inputs: set, axes_as_input: bool, taken: set):
        self.inits = inits
        self.axes_as_input = axes_as_input
        self.lifted: dict[str, str] = {}  # 3-D name -> its lifted (4-D) name
        self.plain: set[str] = set(inputs) | set(inits)  # names whose 3-D tensor exists
        self.nodes: list = []
        self.new_inits: list = []
        self.weights: dict[str, str] = {}  # a weight shared by several convolutions is lifted once
        self.taken = set(taken)
        self.axes = self.fresh(_AXES)

    def fresh(self, base: str) -> str:
        """A tensor name not used anywhere in the graph yet."""
        name, k = base, 1
        while name in self.taken:
            name, k = f"{base}_{k}", k + 1
        self.taken.add(name)
        return name

    def _axis_node(self, op: str, src: str, dst: str):
        from onnx import helper

        if self.axes_as_input:
            return helper.make_node(op, [src, self.axes], [dst])
        return helper.make_node(op, [src], [dst], axes=[2])

    def lift(self, name: str) -> str:
        """The lifted twin of ``name``, made by an ``Unsqueeze`` the first time it is asked for."""
        if name not in self.lifted:
            self.lifted[name] = self.fresh(name + "__2d")
            self.nodes.append(self._axis_node("Unsqueeze", name, self.lifted[name]))
        return self.lifted[name]

    def need_plain(self, name: str) -> None:
        """Make the 3-D ``name`` exist (a ``Squeeze`` of its lifted twin) if only the twin does."""
        if name in self.lifted and name not in self.plain:
            self.nodes.append(self._axis_node("Squeeze", self.lifted[name], name))
            self.plain.add(name)

    def kind(self, node) -> str | None:
        """'lift', 'through' (works on lifted tensors as it is) or None (left as it is)."""
        op = node.op_type
        extra = [o for o in node.output[1:] if o]
        if extra and op != "Dropout":  # a pool's indices, batch-norm statistics: left as they are
            return None
        if op in ("Conv",) + POOLS and _is_1d(node, self.inits):
            return "lift"
        if op in ELEMENTWISE and node.input and node.input[0] in self.lifted:
            return "through"
        if op in BINARY and len(node.input) == 2 and all(i in self.lifted for i in node.input):
            return "through"
        return None

    def visit(self, node) -> None:
        """Append ``node`` to the new graph: lifted, passed through on lifted tensors, or as it is."""
        from onnx import helper, numpy_helper

        kind = self.kind(node)
        if kind is None:
            for name in node.input:
                self.need_plain(name)
            self.nodes.append(node)
            self.plain.update(node.output)
            return
        op, attrs, inputs = node.op_type, _attrs(node), list(node.input)
        if kind == "lift":
            inputs[0] = self.lift(inputs[0])
            k_default = None
            if op == "Conv":
                w = self.inits.get(inputs[1])
                if w is not None:
                    k_default = int(w.shape[-1])
                    if inputs[1] not in self.weights:
                        self.weights[inputs[1]] = self.fresh(inputs[1] + "__2d")
                        self.new_inits.append(numpy_helper.from_array(np.ascontiguousarray(w[:, :, None, :]),
                                                                      self.weights[inputs[1]]))
                    inputs[1] = self.weights[inputs[1]]
                else:
                    inputs[1] = self.lift(inputs[1])
            attrs = _lifted_attrs(attrs, k_default)
        else:
            n_data = 1 if op in ELEMENTWISE else 2
            inputs = [self.lifted[i] if j < n_data else i for j, i in enumerate(inputs)]
        outputs = []
        for name in node.output:
            if name:
                self.lifted[name] = self.fresh(name + "__2d")
            outputs.append(self.lifted[name] if name else "")
        self.nodes.append(helper.make_node(op, inputs, outputs, name=(node.name + "__2d") if node.name else "",
                                           **attrs))
