"""A minimal CNN toolkit in JAX for the two image models, plus its ONNX export.

A network is a list of blocks; each block knows how to initialise its parameters, run
forward in JAX (NCHW, BatchNorm with batch statistics while training, running statistics
at evaluation) and write itself into an ONNX graph with BatchNorm folded into the conv.

Blocks: ConvBN (conv + BN + optional ReLU/ReLU6), InvertedResidual (MobileNetV2:
1x1 expand, 3x3 depthwise, 1x1 linear projection, residual when shapes allow),
BasicBlock (ResNet: two 3x3 ConvBN and an identity or 1x1 projection shortcut),
and the head (global average pool, linear layer, softmax).
"""
from __future__ import annotations

import math
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from common import G, conv as onnx_conv, fold_bn, log

BN_MOM = 0.9
EPS = 1e-5


def _act(y, act):
    if act == "relu":
        return jax.nn.relu(y)
    if act == "relu6":
        return jnp.clip(y, 0.0, 6.0)
    return y


def _depthwise(x, w, stride, pad):
    """Depthwise conv as a sum of k*k shifted, per-channel scaled slices (NHWC); XLA:CPU's
    grouped convolution (and its gradient) is far slower than this for small channel counts."""
    k = w.shape[2]
    n, h, wd, c = x.shape
    xp = jnp.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    ho, wo = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    y = 0.0
    for i in range(k):
        for j in range(k):
            sl = xp[:, i:i + stride * (ho - 1) + 1:stride, j:j + stride * (wo - 1) + 1:stride, :]
            y = y + sl * w[:, 0, i, j]
    return y


class ConvBN:
    def __init__(self, name, cin, cout, k=3, stride=1, groups=1, act="relu"):
        self.name, self.cin, self.cout, self.k = name, cin, cout, k
        self.stride, self.groups, self.act = stride, groups, act

    def init(self, key, P, S):
        fan_in = self.cin // self.groups * self.k * self.k
        P[self.name] = {
            "w": jax.random.normal(key, (self.cout, self.cin // self.groups, self.k, self.k)) * math.sqrt(2.0 / fan_in),
            "gamma": jnp.ones(self.cout), "beta": jnp.zeros(self.cout)}
        S[self.name] = {"mean": jnp.zeros(self.cout), "var": jnp.ones(self.cout)}

    def __call__(self, P, S, x, train, newS):
        p = P[self.name]
        # internal layout is NHWC (faster on XLA:CPU); weights stay OIHW as in ONNX
        pad = self.k // 2
        if self.groups > 1 and self.groups == self.cin == self.cout:
            y = _depthwise(x, p["w"], self.stride, pad)
        else:
            y = jax.lax.conv_general_dilated(x, p["w"], (self.stride, self.stride), [(pad, pad), (pad, pad)],
                                             dimension_numbers=("NHWC", "OIHW", "NHWC"),
                                             feature_group_count=self.groups)
        if train:
            mean, var = y.mean((0, 1, 2)), y.var((0, 1, 2))
            newS[self.name] = {"mean": mean, "var": var}
        else:
            mean, var = S[self.name]["mean"], S[self.name]["var"]
        y = (y - mean) * jax.lax.rsqrt(var + EPS) * p["gamma"] + p["beta"]
        return _act(y, self.act)

    def export(self, g, P, S, x):
        p, s = P[self.name], S[self.name]
        w, b = fold_bn(np.asarray(p["w"]), np.zeros(self.cout),
                       {"gamma": p["gamma"], "beta": p["beta"], "mean": s["mean"], "var": s["var"]}, EPS)
        return onnx_conv(g, x, w, b, stride=self.stride, pad=self.k // 2, groups=self.groups,
                         act=self.act, name=self.name)

    def n_out(self):
        return self.cout


class InvertedResidual:
    def __init__(self, name, cin, cout, t, stride):
        hid = cin * t
        self.parts = []
        if t != 1:
            self.parts.append(ConvBN(f"{name}.expand", cin, hid, 1, 1, 1, "relu6"))
        self.parts.append(ConvBN(f"{name}.dw", hid, hid, 3, stride, hid, "relu6"))
        self.parts.append(ConvBN(f"{name}.project", hid, cout, 1, 1, 1, None))
        self.residual = stride == 1 and cin == cout

    def init(self, key, P, S):
        for k, m in zip(jax.random.split(key, len(self.parts)), self.parts):
            m.init(k, P, S)

    def __call__(self, P, S, x, train, newS):
        y = x
        for m in self.parts:
            y = m(P, S, y, train, newS)
        return x + y if self.residual else y

    def export(self, g, P, S, x):
        y = x
        for m in self.parts:
            y = m.export(g, P, S, y)
        return g.op("Add", [x, y]) if self.residual else y


class BasicBlock:
    def __init__(self, name, cin, cout, stride):
        self.c1 = ConvBN(f"{name}.conv1", cin, cout, 3, stride, 1, "relu")
        self.c2 = ConvBN(f"{name}.conv2", cout, cout, 3, 1, 1, None)
        self.down = None if (stride == 1 and cin == cout) else ConvBN(f"{name}.down", cin, cout, 1, stride, 1, None)

    def init(self, key, P, S):
        k = jax.random.split(key, 3)
        self.c1.init(k[0], P, S)
        self.c2.init(k[1], P, S)
        if self.down:
            self.down.init(k[2], P, S)

    def __call__(self, P, S, x, train, newS):
        y = self.c2(P, S, self.c1(P, S, x, train, newS), train, newS)
        sc = self.down(P, S, x, train, newS) if self.down else x
        return jax.nn.relu(y + sc)

    def export(self, g, P, S, x):
        y = self.c2.export(g, P, S, self.c1.export(g, P, S, x))
        sc = self.down.export(g, P, S, x) if self.down else x
        return g.op("Relu", [g.op("Add", [y, sc])])


class Net:
    def __init__(self, blocks, feat, n_classes):
        self.blocks, self.feat, self.n_classes = blocks, feat, n_classes

    def init(self, seed):
        P, S = {}, {}
        keys = jax.random.split(jax.random.PRNGKey(seed), len(self.blocks) + 1)
        for k, b in zip(keys, self.blocks):
            b.init(k, P, S)
        P["fc"] = {"w": jax.random.normal(keys[-1], (self.feat, self.n_classes)) * math.sqrt(1.0 / self.feat),
                   "b": jnp.zeros(self.n_classes)}
        return P, S

    def logits(self, P, S, x, train):
        newS = {}
        x = jnp.transpose(x, (0, 2, 3, 1))          # NCHW (the ONNX contract) -> NHWC
        for b in self.blocks:
            x = b(P, S, x, train, newS)
        x = x.mean((1, 2))
        return x @ P["fc"]["w"] + P["fc"]["b"], newS

    def export(self, P, S, name, in_name, in_shape, out_name, doc):
        g = G(name)
        x = g.input(in_name, 1, in_shape)
        for b in self.blocks:
            x = b.export(g, P, S, x)
        x = g.op("GlobalAveragePool", [x])
        x = g.op("Flatten", [x], axis=1)
        x = g.op("Gemm", [x, g.const("fc.weight", np.asarray(P["fc"]["w"])),
                          g.const("fc.bias", np.asarray(P["fc"]["b"]))])
        g.op("Softmax", [x], out=out_name, axis=1)
        g.output(out_name, 1, [None, self.n_classes])
        return g.model(doc)


def n_params(P):
    return int(sum(np.prod(v.shape) for v in jax.tree_util.tree_leaves(P)))


def train(net, X, Y, Xval, Yval, *, epochs, batch, lr, seed, augment, label_smoothing=0.05,
          class_weights=None):
    """X: float32 [N, C, H, W] (normalised), Y: int [N]. Returns (P, S, history)."""
    P, S = net.init(seed)
    steps = max(10, epochs * (len(X) // batch))
    sched = optax.warmup_cosine_decay_schedule(0.0, lr, max(1, steps // 20), steps, lr * 0.02)
    opt = optax.adamw(sched, weight_decay=1e-4)
    ostate = opt.init(P)
    cw = jnp.ones(net.n_classes) if class_weights is None else jnp.asarray(class_weights)

    def loss_fn(P, S, x, y):
        lg, newS = net.logits(P, S, x, True)
        oh = jax.nn.one_hot(y, net.n_classes) * (1 - label_smoothing) + label_smoothing / net.n_classes
        l = -(oh * jax.nn.log_softmax(lg)).sum(1) * cw[y]
        return l.mean(), newS

    @jax.jit
    def step(P, S, ostate, x, y):
        (l, newS), gr = jax.value_and_grad(loss_fn, has_aux=True)(P, S, x, y)
        upd, ostate = opt.update(gr, ostate, P)
        P = optax.apply_updates(P, upd)
        S = jax.tree_util.tree_map(lambda a, b: BN_MOM * a + (1 - BN_MOM) * b, S, newS)
        return P, S, ostate, l

    rng = np.random.default_rng(seed)
    hist = []
    for ep in range(epochs):
        t0 = time.time()
        perm = rng.permutation(len(X))
        tot = 0.0
        for i in range(len(X) // batch):
            idx = perm[i * batch:(i + 1) * batch]
            xb = augment(rng, X[idx]) if augment else X[idx]
            P, S, ostate, l = step(P, S, ostate, jnp.asarray(xb), jnp.asarray(Y[idx]))
            tot += float(l)
        acc = float((predict(net, P, S, Xval).argmax(1) == Yval).mean())
        hist.append({"epoch": ep + 1, "loss": tot / (len(X) // batch), "val_acc": acc})
        log(f"epoch {ep + 1}/{epochs} loss {tot / (len(X) // batch):.4f} val_acc {acc:.4f} ({time.time() - t0:.0f}s)")
    return P, S, hist


_pred_cache = {}


def predict(net, P, S, X, batch=128):
    f = _pred_cache.get(id(net))
    if f is None:
        f = jax.jit(lambda P, S, x: jax.nn.softmax(net.logits(P, S, x, False)[0], axis=1))
        _pred_cache[id(net)] = f
    out = [np.asarray(f(P, S, jnp.asarray(X[i:i + batch]))) for i in range(0, len(X), batch)]
    return np.concatenate(out, 0)
