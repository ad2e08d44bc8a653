"""recommendation: two-tower retrieval model on synthetic shopping sequences (data/retail.py).

User tower: u = user_emb[user] + mean(item_in[history]) (index 0 rows are zero, so an
unknown user is represented by its history alone), then a linear layer. Item tower: an
item matrix. scores = tower(u) @ item_out^T + item_bias, one MatMul over the catalogue.
"""
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import G, MODELS, kiln_check, kiln_convert, log, ort_run, write_json  # noqa: E402
from data import retail  # noqa: E402

NAME = "recommendation"
QUICK = os.environ.get("QUICK") == "1"
H = 10
DIM = 32
EPOCHS = 2 if QUICK else 8


def item_id(j):
    return f"I{j + 1:05d}"


def examples(seqs, upto, rng, user_dropout=0.0):
    """(user, history, target) for every purchase t < len-upto of each sequence."""
    us, hs, ts = [], [], []
    for u, s in enumerate(seqs):
        s = s[:len(s) - upto]
        for t in range(len(s)):
            h = [i + 1 for i in s[max(0, t - H):t]]
            us.append(u + 1)
            hs.append([0] * (H - len(h)) + h)
            ts.append(s[t])
    us, hs, ts = np.array(us, np.int64), np.array(hs, np.int64), np.array(ts, np.int64)
    return us, hs, ts


def last_history(seq, end):
    h = [i + 1 for i in seq[max(0, end - H):end]]
    return [0] * (H - len(h)) + h


def rank_metrics(scores, targets, seen_masks, k=10):
    s = scores.copy()
    s[seen_masks] = -np.inf
    tgt = s[np.arange(len(s)), targets]
    rank = (s > tgt[:, None]).sum(1)          # 0-based rank of the held-out item
    hit = rank < k
    return {"recall@10": round(float(hit.mean()), 4),
            "ndcg@10": round(float(np.where(hit, 1 / np.log2(rank + 2), 0).mean()), 4)}


def main():
    import jax
    import jax.numpy as jnp
    import optax

    t0 = time.time()
    out = MODELS / NAME
    d = retail.generate(301)
    U, M, seqs, cat = d["n_users"], d["n_items"], d["seqs"], d["category"]
    rng = np.random.default_rng(9)
    us, hs, ts = examples(seqs, 2, rng)
    counts = np.bincount(ts, minlength=M).astype(np.float64)
    popularity = counts / counts.sum()
    log(f"{U} users, {M} items, {len(ts)} training purchases ({time.time() - t0:.0f}s)")

    k = jax.random.split(jax.random.PRNGKey(3), 5)
    P = {"user": jax.random.normal(k[0], (U + 1, DIM)) * 0.05, "item_in": jax.random.normal(k[1], (M + 1, DIM)) * 0.05,
         "w": jnp.eye(DIM) + jax.random.normal(k[2], (DIM, DIM)) * 0.05, "b": jnp.zeros(DIM),
         "item_out": jax.random.normal(k[3], (M, DIM)) * 0.05, "bias": jnp.log(jnp.asarray(counts) + 1) * 0.0}
    row_mask = jnp.ones((U + 1, 1)).at[0].set(0.0)
    item_mask = jnp.ones((M + 1, 1)).at[0].set(0.0)

    def tower(P, u, h):
        ue = (P["user"] * row_mask)[u[:, 0]]
        he = (P["item_in"] * item_mask)[h]                      # [N, H, D]
        cnt = (h > 0).sum(1, keepdims=True).astype(jnp.float32)
        x = ue + he.sum(1) / jnp.maximum(cnt, 1.0)
        return x @ P["w"] + P["b"]

    def scores(P, u, h):
        return tower(P, u, h) @ P["item_out"].T + P["bias"]

    def loss(P, u, h, t):
        s = scores(P, u, h)
        l = -jax.nn.log_softmax(s)[jnp.arange(len(t)), t].mean()
        return l + 1e-5 * (jnp.sum(P["user"] ** 2) + jnp.sum(P["item_in"] ** 2) + jnp.sum(P["item_out"] ** 2))

    batch = 256
    steps = EPOCHS * (len(ts) // batch)
    opt = optax.adam(optax.cosine_decay_schedule(5e-3, steps, 0.05))
    ost = opt.init(P)

    @jax.jit
    def step(P, ost, u, h, t):
        l, g = jax.value_and_grad(loss)(P, u, h, t)
        upd, ost = opt.update(g, ost, P)
        return optax.apply_updates(P, upd), ost, l

    score_fn = jax.jit(scores)

    def eval_split(P, upto, unknown=False):
        """Held-out purchase len-upto for each user, history = the 10 before it."""
        u = np.array([[0 if unknown else i + 1] for i in range(U)], np.int64)
        h = np.array([last_history(s, len(s) - upto) for s in seqs], np.int64)
        t = np.array([s[len(s) - upto] for s in seqs], np.int64)
        seen = np.zeros((U, M), bool)
        for i, s in enumerate(seqs):
            seen[i, s[:len(s) - upto]] = True
        return u, h, t, seen

    for ep in range(EPOCHS):
        perm = rng.permutation(len(ts))
        tot = 0.0
        for i in range(len(ts) // batch):
            idx = perm[i * batch:(i + 1) * batch]
            u, h = us[idx].copy()[:, None], hs[idx].copy()
            u[rng.random(len(u)) < 0.2] = 0                  # unknown users: history only
            cut = rng.random(len(u)) < 0.2                   # short / empty histories
            keep = rng.integers(0, H, len(u))
            for r in np.where(cut)[0]:
                h[r, :H - keep[r]] = 0
            P, ost, l = step(P, ost, jnp.asarray(u), jnp.asarray(h), jnp.asarray(ts[idx]))
            tot += float(l)
        u, h, t, seen = eval_split(P, 2)
        log(f"epoch {ep + 1}/{EPOCHS} loss {tot / (len(ts) // batch):.4f} val {rank_metrics(np.asarray(score_fn(P, u, h)), t, seen)}")

    # export
    g = G(NAME)
    g.input("user", 7, [None, 1])
    g.input("history", 7, [None, H])
    user_tab = np.asarray(P["user"] * row_mask, np.float32)
    item_tab = np.asarray(P["item_in"] * item_mask, np.float32)
    ue = g.op("Flatten", [g.op("Gather", [g.const("user_embedding", user_tab), "user"], axis=0)], axis=1)
    he = g.op("Gather", [g.const("history_item_embedding", item_tab), "history"], axis=0)
    hsum = g.op("ReduceSum", [he, g.const("axis1", np.array([1], np.int64))], keepdims=0)
    valid = g.op("Gather", [g.const("valid_item", np.concatenate([[0.0], np.ones(M)]).astype(np.float32)), "history"], axis=0)
    cnt = g.op("ReduceSum", [valid, g.const("axis1b", np.array([1], np.int64))], keepdims=1)
    cnt = g.op("Clip", [cnt, g.const("one", np.array(1.0, np.float32))])
    x = g.op("Add", [ue, g.op("Div", [hsum, cnt])])
    x = g.op("Gemm", [x, g.const("tower.weight", np.asarray(P["w"])), g.const("tower.bias", np.asarray(P["b"]))])
    s = g.op("MatMul", [x, g.const("item_embedding_t", np.ascontiguousarray(np.asarray(P["item_out"]).T))])
    g.op("Add", [s, g.const("item_bias", np.asarray(P["bias"]))], out="scores")
    g.output("scores", 1, [None, M])
    import onnx
    (out / "source").mkdir(parents=True, exist_ok=True)
    onnx_path = out / "source" / "model.onnx"
    onnx.save(g.model("Two-tower retail recommender, synthetic training data"), onnx_path)

    # held-out test metrics on the exported graph, vs a popularity baseline
    test = {}
    for mode, unknown, blank in (("known_user", False, False), ("history_only", True, False),
                                 ("known_user_no_history", False, True)):
        u, h, t, seen = eval_split(P, 1, unknown)
        if blank:
            h = np.zeros_like(h)
        s = ort_run(onnx_path, {"user": u, "history": h})[0]
        test[mode] = rank_metrics(s, t, seen)
        if mode == "known_user":
            log(f"JAX vs onnxruntime max abs err {np.abs(s - np.asarray(score_fn(P, u, h))).max():.2e}")
    u, h, t, seen = eval_split(P, 1)
    test["popularity_baseline"] = rank_metrics(np.tile(counts, (U, 1)), t, seen)
    log("test", test)

    kiln_path = out / "1" / "model.kiln"
    kiln_path.parent.mkdir(parents=True, exist_ok=True)
    kiln_convert(onnx_path, kiln_path, NAME, {"source": "training/train_reco.py"})
    err = kiln_check(kiln_path, onnx_path, {"user": u[:16], "history": h[:16]})

    items = [{"item_id": item_id(j), "category": retail.CATEGORIES[cat[j]], "popularity": round(float(popularity[j]), 6)}
             for j in range(M)]
    write_json(out / "items.json", items)
    write_json(out / "config.json", {
        "kind": "recommendation", "max_batch_size": 32, "dynamic_batching": {"max_queue_delay_us": 500},
        "parameters": {"items_file": "items.json", "users": U, "history_length": H,
                       "inputs": {"user": "user", "history": "history"}, "output": "scores",
                       "default_k": 10, "max_k": 100}})

    # samples + expected answers (onnxruntime)
    def recommend(user_id=None, recent=(), k=10, exclude_seen=False, category=None):
        uidx = user_id if user_id is not None and 1 <= user_id <= U else 0
        hist = [int(r[1:]) for r in recent][-H:]
        hist = [0] * (H - len(hist)) + hist
        s = ort_run(onnx_path, {"user": np.array([[uidx]], np.int64), "history": np.array([hist], np.int64)})[0][0]
        order = np.argsort(-s, kind="stable")
        res = []
        for j in order:
            if exclude_seen and item_id(j) in recent:
                continue
            if category and items[j]["category"] != category:
                continue
            res.append({"item_id": item_id(j), "score": round(float(s[j]), 4)})
            if len(res) == k:
                break
        return res

    sd = out / "samples"
    sd.mkdir(parents=True, exist_ok=True)
    s42 = seqs[41]
    recent_unknown = [item_id(i) for i in seqs[99][-6:]]
    recent7 = [item_id(i) for i in seqs[6][-5:]]
    shoes_hist = [item_id(i) for i in next(s for s in seqs if sum(retail.CATEGORIES[cat[i]] == "shoes" for i in s[-5:]) >= 2)[-8:]]
    reqs = {"known_user.json": {"user_id": 42, "k": 10},
            "history_only.json": {"recent_items": recent_unknown, "k": 5},
            "filtered.json": {"user_id": 7, "recent_items": shoes_hist, "k": 10, "exclude_seen": True, "category": "shoes"}}
    exp = {"known_user.json": recommend(42, (), 10),
           "history_only.json": recommend(None, recent_unknown, 5),
           "filtered.json": recommend(7, shoes_hist, 10, True, "shoes")}
    for f, r in reqs.items():
        write_json(sd / f, r)
    write_json(sd / "expected.json", {
        "conventions": "user index = user_id if 1 <= user_id <= users else 0 (unknown); history = recent_items mapped "
                       "I00001 -> 1 (index = position in items.json + 1), last 10, most recent last, left-padded with 0; "
                       "scores[j] belongs to items.json[j]; ranking by score descending (ties: lower index first), then "
                       "exclude_seen drops recent_items, category keeps items of that category, first k returned",
        "reference": "onnxruntime on source/model.onnx", "samples": {f: {"top_items": [x["item_id"] for x in v], "items": v} for f, v in exp.items()}})
    log("samples", {f: [x["item_id"] for x in v] for f, v in exp.items()})

    write_json(out / "source" / "metrics.json", {
        "model": NAME, "epochs": EPOCHS, "dim": DIM, "users": U, "items": M, "training_purchases": int(len(ts)),
        "params": int(sum(np.prod(np.shape(v)) for v in jax.tree_util.tree_leaves(P))),
        "test": test, "kiln_vs_onnxruntime_max_abs_err": err, "onnx_bytes": onnx_path.stat().st_size,
        "kiln_bytes": kiln_path.stat().st_size, "train_seconds": round(time.time() - t0)})
    log(f"done in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
