"""Synthetic retail shopping sequences with latent tastes, categories and popularity skew.

* M items in 20 categories. Each item has a 16-d latent vector = its category centre plus
  noise, and a log-normal popularity (a few items are very popular, most are long tail).
* U users. Each user's taste is a mix of 1-3 favourite category centres plus noise.
* Each user makes 15-60 purchases, without repeats. The next item is drawn from
  softmax(2.5 * taste . item + log popularity); with probability 0.5 the draw is limited to the
  category of the previous purchase (short-term intent), so recent history is informative.
* Held out per user: the last purchase (test) and the one before (validation).
"""
import numpy as np

CATEGORIES = ["shoes", "apparel", "accessories", "electronics", "home", "kitchen", "beauty", "toys",
              "books", "sports", "outdoor", "grocery", "pet", "garden", "office", "jewelry", "music",
              "games", "baby", "health"]
DIM = 16


def generate(seed: int, n_users=2000, n_items=2000):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (len(CATEGORIES), DIM))
    cat = rng.choice(len(CATEGORIES), n_items, p=rng.dirichlet(np.full(len(CATEGORIES), 5.0)))
    cat = np.sort(cat)                                       # items grouped by category
    item_vec = centres[cat] + rng.normal(0, 0.6, (n_items, DIM))
    item_vec /= np.linalg.norm(item_vec, axis=1, keepdims=True)
    log_pop = rng.normal(0, 1.2, n_items)
    seqs = []
    for u in range(n_users):
        fav = rng.choice(len(CATEGORIES), rng.integers(1, 4), replace=False)
        taste = centres[fav].mean(0) + rng.normal(0, 0.5, DIM)
        taste /= np.linalg.norm(taste)
        base = 2.5 * item_vec @ taste * 3 + log_pop
        seen = np.zeros(n_items, bool)
        seq = []
        for t in range(int(rng.integers(15, 61))):
            logits = base.copy()
            logits[seen] = -np.inf
            if seq and rng.random() < 0.5:
                logits[cat != cat[seq[-1]]] = -np.inf
                if np.isneginf(logits).all():
                    logits = base.copy()
                    logits[seen] = -np.inf
            p = np.exp(logits - logits.max())
            i = int(rng.choice(n_items, p=p / p.sum()))
            seen[i] = True
            seq.append(i)
        seqs.append(seq)
    return {"category": cat, "seqs": seqs, "n_users": n_users, "n_items": n_items}
