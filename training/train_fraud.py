"""fraud_scoring: MLP with categorical embeddings on synthetic card transactions."""
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import G, MODELS, kiln_check, kiln_convert, log, ort_run, write_json  # noqa: E402
from data import transactions as T  # noqa: E402

NAME = "fraud_scoring"
QUICK = os.environ.get("QUICK") == "1"
N_TRAIN, N_VAL, N_TEST = (40_000, 20_000, 20_000) if QUICK else (300_000, 100_000, 100_000)
EPOCHS = 2 if QUICK else 6
EMB = 4

# spec order = order of the `features` list in config.json. Numeric and boolean features fill
# the `numeric` input in this order, categoricals fill `categorical` in this order.
SPEC = [
    {"name": "amount", "type": "numeric", "transform": "log1p", "required": True},
    {"name": "currency", "type": "categorical", "vocabulary": T.CURRENCY, "default": None},
    {"name": "merchant_category", "type": "categorical", "vocabulary": T.MCC, "default": None},
    {"name": "country", "type": "categorical", "vocabulary": T.COUNTRY, "default": None},
    {"name": "channel", "type": "categorical", "vocabulary": T.CHANNEL, "default": None},
    {"name": "card_present", "type": "boolean", "default": False},
    {"name": "hour", "type": "numeric", "transform": "none", "min": 0, "max": 23, "required": True},
    {"name": "customer_tenure_days", "type": "numeric", "transform": "log1p", "min": 0, "required": True},
    {"name": "txn_count_24h", "type": "numeric", "transform": "log1p", "min": 0, "default": 0},
    {"name": "amount_sum_24h", "type": "numeric", "transform": "log1p", "min": 0, "default": 0.0},
    {"name": "distance_from_home_km", "type": "numeric", "transform": "log1p", "min": 0, "default": 0.0},
    {"name": "is_new_merchant", "type": "boolean", "default": False},
]


def _tf(f, v):
    v = np.asarray(v, np.float64)
    return np.log1p(v) if f.get("transform") == "log1p" else v


def fit_stats(cols):
    for f in SPEC:
        if f["type"] == "numeric":
            v = _tf(f, cols[f["name"]].astype(np.float64))
            f["mean"], f["std"] = round(float(v.mean()), 6), round(float(v.std()), 6)
        elif f["type"] == "boolean":
            f["mean"], f["std"] = 0.0, 1.0


def encode(cols):
    """Reference encoding (what the server does): numeric/boolean -> transform, then
    (x - mean)/std; categorical -> vocabulary index + 1, 0 for unknown or missing."""
    num, cat = [], []
    for f in SPEC:
        v = cols[f["name"]]
        if f["type"] == "categorical":
            idx = {s: i + 1 for i, s in enumerate(f["vocabulary"])}
            cat.append(np.array([idx.get(x, 0) if x is not None else 0 for x in v], np.int64))
        elif f["type"] == "boolean":
            num.append(np.asarray(v, np.float32))
        else:
            num.append(((_tf(f, np.asarray(v, np.float64)) - f["mean"]) / f["std"]).astype(np.float32))
    return np.stack(num, 1).astype(np.float32), np.stack(cat, 1).astype(np.int64)


def average_precision(y, p):
    o = np.argsort(-p, kind="stable")
    y = y[o]
    tp = np.cumsum(y)
    prec = tp / np.arange(1, len(y) + 1)
    return float((prec * y).sum() / max(y.sum(), 1))


def pr_at(y, p, t):
    pred = p >= t
    tp = int((pred & (y == 1)).sum())
    return {"threshold": t, "precision": round(tp / max(pred.sum(), 1), 4), "recall": round(tp / max(y.sum(), 1), 4),
            "flagged_share": round(float(pred.mean()), 5)}


DECLINE_PRECISION, REVIEW_PRECISION = 0.80, 0.50


def pick_thresholds(y, p):
    """From the validation PR curve (thresholds rounded to 4 decimals): decline = the lowest
    threshold whose precision is >= DECLINE_PRECISION (4 in 5 declines are fraud); review = the
    lowest threshold whose precision is >= REVIEW_PRECISION (every other reviewed case is fraud)."""
    cand = np.unique(np.round(p, 4))
    o = np.sort(p)
    pos = np.sort(p[y == 1])
    n_flag = len(p) - np.searchsorted(o, cand, side="left")
    tp = len(pos) - np.searchsorted(pos, cand, side="left")
    prec = tp / np.maximum(n_flag, 1)
    ok = np.where((prec >= DECLINE_PRECISION) & (tp > 0))[0]
    decline = float(cand[ok[0]]) if len(ok) else 0.9
    ok = np.where((prec >= REVIEW_PRECISION) & (tp > 0) & (cand < decline))[0]
    review = float(cand[ok[0]]) if len(ok) else decline / 2
    return round(decline, 4), round(review, 4)


def main():
    import jax
    import jax.numpy as jnp
    import optax

    t0 = time.time()
    out = MODELS / NAME
    ctr, ytr = T.dataset(201, N_TRAIN)
    cva, yva = T.dataset(202, N_VAL)
    cte, yte = T.dataset(203, N_TEST)
    fit_stats(ctr)
    (ntr, kt), (nva, kv), (nte, ke) = encode(ctr), encode(cva), encode(cte)
    log(f"data: train {len(ytr)} ({ytr.mean():.4f} fraud) val {len(yva)} test {len(yte)} ({time.time() - t0:.0f}s)")
    vocab = [len(f["vocabulary"]) + 1 for f in SPEC if f["type"] == "categorical"]
    fn = ntr.shape[1]
    d_in = fn + EMB * len(vocab)
    key = jax.random.split(jax.random.PRNGKey(11), 8)
    P = {"emb": [jax.random.normal(key[i], (v, EMB)) * 0.1 for i, v in enumerate(vocab)],
         "w1": jax.random.normal(key[4], (d_in, 64)) * math.sqrt(2 / d_in), "b1": jnp.zeros(64),
         "w2": jax.random.normal(key[5], (64, 32)) * math.sqrt(2 / 64), "b2": jnp.zeros(32),
         "w3": jax.random.normal(key[6], (32, 1)) * math.sqrt(1 / 32), "b3": jnp.full(1, -4.0)}

    def logit(P, num, cat):
        e = [P["emb"][j][cat[:, j]] for j in range(len(vocab))]
        h = jnp.concatenate([num] + e, 1)
        h = jax.nn.relu(h @ P["w1"] + P["b1"])
        h = jax.nn.relu(h @ P["w2"] + P["b2"])
        return h @ P["w3"] + P["b3"]

    def loss(P, num, cat, y):
        z = logit(P, num, cat)[:, 0]
        return optax.sigmoid_binary_cross_entropy(z, y).mean()

    batch = 512
    steps = EPOCHS * (len(ytr) // batch)
    opt = optax.adamw(optax.cosine_decay_schedule(3e-3, steps, 0.05), weight_decay=1e-5)
    ost = opt.init(P)

    @jax.jit
    def step(P, ost, num, cat, y):
        l, g = jax.value_and_grad(loss)(P, num, cat, y)
        u, ost = opt.update(g, ost, P)
        return optax.apply_updates(P, u), ost, l

    prob = jax.jit(lambda P, n, c: jax.nn.sigmoid(logit(P, n, c))[:, 0])
    rng = np.random.default_rng(5)
    for ep in range(EPOCHS):
        perm = rng.permutation(len(ytr))
        tot = 0.0
        for i in range(len(ytr) // batch):
            idx = perm[i * batch:(i + 1) * batch]
            c = kt[idx].copy()
            c[rng.random(c.shape) < 0.02] = 0          # teach the "unknown / missing" rows
            P, ost, l = step(P, ost, jnp.asarray(ntr[idx]), jnp.asarray(c), jnp.asarray(ytr[idx], jnp.float32))
            tot += float(l)
        pv = np.asarray(prob(P, nva, kv))
        log(f"epoch {ep + 1}/{EPOCHS} loss {tot / (len(ytr) // batch):.5f} val PR-AUC {average_precision(yva, pv):.4f}")

    # thresholds from the validation PR curve
    pv = np.asarray(prob(P, nva, kv))
    decline, review = pick_thresholds(yva, pv)
    decline, review = round(float(decline), 4), round(float(review), 4)
    log(f"thresholds: review {review} decline {decline}")

    # export (embedding tables: row 0 = unknown/missing)
    g = G(NAME)
    g.input("numeric", 1, [None, fn])
    g.input("categorical", 7, [None, len(vocab)])
    parts = ["numeric"]
    cat_names = [f["name"] for f in SPEC if f["type"] == "categorical"]
    for j, nm in enumerate(cat_names):
        col = g.op("Gather", ["categorical", g.const(f"col{j}", np.array(j, np.int64))], axis=1)
        parts.append(g.op("Gather", [g.const(f"emb.{nm}", np.asarray(P["emb"][j])), col], axis=0))
    h = g.op("Concat", parts, axis=1)
    h = g.op("Relu", [g.op("Gemm", [h, g.const("fc1.weight", np.asarray(P["w1"])), g.const("fc1.bias", np.asarray(P["b1"]))])])
    h = g.op("Relu", [g.op("Gemm", [h, g.const("fc2.weight", np.asarray(P["w2"])), g.const("fc2.bias", np.asarray(P["b2"]))])])
    h = g.op("Gemm", [h, g.const("fc3.weight", np.asarray(P["w3"])), g.const("fc3.bias", np.asarray(P["b3"]))])
    g.op("Sigmoid", [h], out="fraud_probability")
    g.output("fraud_probability", 1, [None, 1])
    import onnx
    (out / "source").mkdir(parents=True, exist_ok=True)
    onnx_path = out / "source" / "model.onnx"
    onnx.save(g.model("Card fraud scoring MLP with categorical embeddings, synthetic training data"), onnx_path)

    pt = ort_run(onnx_path, {"numeric": nte, "categorical": ke})[0][:, 0]
    log(f"JAX vs onnxruntime max abs err {np.abs(pt - np.asarray(prob(P, nte, ke))).max():.2e}")
    test = {"n": int(len(yte)), "fraud": int(yte.sum()), "pr_auc": round(average_precision(yte, pt), 4),
            "review": pr_at(yte, pt, review), "decline": pr_at(yte, pt, decline)}
    base = {"pr_auc_random": round(float(yte.mean()), 4)}
    log("test", test)

    kiln_path = out / "1" / "model.kiln"
    kiln_path.parent.mkdir(parents=True, exist_ok=True)
    kiln_convert(onnx_path, kiln_path, NAME, {"source": "training/train_fraud.py"})
    err = kiln_check(kiln_path, onnx_path, {"numeric": nte[:64], "categorical": ke[:64]})

    write_json(out / "config.json", {
        # Each record takes 1 + 12 rows (itself, then one per neutralised feature for the
        # server's occlusion reasons): 256 records need 3,328 rows per execution.
        "kind": "fraud_scoring", "max_batch_size": 4096, "dynamic_batching": {"max_queue_delay_us": 500},
        "parameters": {"features": SPEC, "inputs": {"numeric": "numeric", "categorical": "categorical"},
                       "output": "fraud_probability", "thresholds": {"review": review, "decline": decline},
                       "max_records": 256}})

    # samples: test records chosen for clarity, scored by onnxruntime through encode()
    def decide(p):
        return "decline" if p >= decline else "review" if p >= review else "approve"

    def score(recs):
        cols = {k: np.array([r[k] for r in recs], dtype=object) for k in T.FIELDS}
        n, c = encode(cols)
        return [float(v) for v in ort_run(onnx_path, {"numeric": n, "categorical": c})[0][:, 0]]

    legit_i = next(i for i in range(len(yte)) if yte[i] == 0 and pt[i] < review / 4 and cte["channel"][i] == "pos")
    fraud_i = next(i for i in range(len(yte)) if yte[i] == 1 and pt[i] >= decline and cte["channel"][i] == "ecommerce")
    rev_i = next((i for i in range(len(yte)) if review <= pt[i] < decline), None)
    batch_ix = [legit_i, fraud_i] + ([rev_i] if rev_i is not None else []) + \
        [i for i in range(len(yte)) if yte[i] == 0 and cte["channel"][i] in ("atm", "ecommerce") and pt[i] < review][:2] + \
        [i for i in range(len(yte)) if yte[i] == 1 and cte["channel"][i] == "atm" and pt[i] >= review][:1]
    sd = out / "samples"
    sd.mkdir(parents=True, exist_ok=True)
    legit, fraud = T.record(cte, legit_i), T.record(cte, fraud_i)
    recs = [T.record(cte, i) for i in batch_ix]
    write_json(sd / "legit.json", legit)
    write_json(sd / "fraud.json", fraud)
    write_json(sd / "batch.json", {"records": recs})
    exp = {}
    for fname, rs in (("legit.json", [legit]), ("fraud.json", [fraud]), ("batch.json", recs)):
        ps = score(rs)
        exp[fname] = [{"fraud_probability": round(p, 6), "decision": decide(p)} for p in ps]
        if fname != "batch.json":
            exp[fname] = exp[fname][0]
    assert exp["fraud.json"]["decision"] == "decline" and exp["legit.json"]["decision"] == "approve"
    write_json(sd / "expected.json", {
        "decisions": f"approve: p < review ({review}); review: review <= p < decline ({decline}); decline: p >= decline",
        "reference": "onnxruntime on source/model.onnx with training/train_fraud.py encode()", "samples": exp})
    log("samples", exp)

    write_json(out / "source" / "metrics.json", {
        "model": NAME, "epochs": EPOCHS, "data": {"train": len(ytr), "val": len(yva), "test": len(yte),
                                                   "seeds": [201, 202, 203], "fraud_rate_train": round(float(ytr.mean()), 4)},
        "params": int(sum(np.prod(np.shape(v)) for v in jax.tree_util.tree_leaves(P))),
        "thresholds": {"review": review, "decline": decline, "rule": f"decline = lowest threshold with validation precision >= {DECLINE_PRECISION}; review = lowest threshold with validation precision >= {REVIEW_PRECISION}"},
        "val": {"pr_auc": round(average_precision(yva, pv), 4), "review": pr_at(yva, pv, review), "decline": pr_at(yva, pv, decline)},
        "test": test, "baseline": base, "kiln_vs_onnxruntime_max_abs_err": err,
        "onnx_bytes": onnx_path.stat().st_size, "kiln_bytes": kiln_path.stat().st_size, "train_seconds": round(time.time() - t0)})
    log(f"done in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
