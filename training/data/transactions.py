"""Synthetic card transactions with ~1 % fraud.

A European card issuer: customers live mostly in euro-area countries (home currency EUR,
some GBP/CHF/PLN/SEK). Legitimate spending follows daytime hours, merchant-category specific
log-normal amounts, a channel mix of POS 55 %, e-commerce 30 %, ATM 10 %, MOTO 5 %, small
distances from home (with occasional travel abroad) and mostly long-standing accounts.

Fraud (about 1 % of rows) is a mixture of five patterns, each made noisy on purpose so the
task is not trivially separable (30 % of fraud rows revert hour, merchant novelty, activity
count and distance to legitimate-looking values, and a share of legitimate rows mimics them: night owls,
travellers, new customers making big first purchases):

* night e-commerce burst  - card-not-present at 00-05h, digital goods / electronics /
  gambling, new merchant, many transactions in the last 24 h
* foreign card-not-present - e-commerce or MOTO from a high-risk foreign country, foreign
  currency, far from home
* high amount vs history  - a jewellery / electronics / travel purchase many times larger
  than the last 24 h of activity
* new account             - tenure under 45 days, money transfers / digital goods, large sums
* ATM cash-out            - skimmed card used at a foreign ATM at night

Label noise as in real data: 10 % of fraud rows are drawn from the legitimate distribution
(undetectable from these features) and 0.2 % of legitimate rows follow a fraud pattern.
"""
import numpy as np

CURRENCY = ["EUR", "USD", "GBP", "CHF", "PLN", "SEK", "JPY", "CNY", "TRY", "BRL"]
MCC = ["grocery", "restaurants", "fuel", "electronics", "clothing", "travel", "hotels", "airlines",
       "digital_goods", "gambling", "jewelry", "pharmacy", "utilities", "cash_withdrawal",
       "money_transfer", "entertainment", "home_improvement", "telecom"]
COUNTRY = ["DE", "FR", "NL", "IT", "ES", "BE", "AT", "GB", "CH", "PL", "SE", "US", "BR", "NG",
           "CN", "TR", "IN", "AE"]
CHANNEL = ["pos", "ecommerce", "atm", "moto"]

HOME = ["DE", "FR", "NL", "IT", "ES", "BE", "AT", "GB", "CH", "PL", "SE"]
HOME_P = np.array([25, 18, 10, 10, 10, 5, 5, 7, 3, 4, 3], float)
HOME_CUR = {"GB": "GBP", "CH": "CHF", "PL": "PLN", "SE": "SEK"}
RISKY = ["US", "BR", "NG", "CN", "TR", "IN", "AE"]
FOREIGN_CUR = {"US": "USD", "BR": "BRL", "NG": "USD", "CN": "CNY", "TR": "TRY", "IN": "USD", "AE": "USD",
               "GB": "GBP", "CH": "CHF", "PL": "PLN", "SE": "SEK"}
# merchant category: (share of legit spend, log-normal median amount, sigma)
MCC_AMT = {"grocery": (20, 35, .6), "restaurants": (14, 30, .6), "fuel": (9, 55, .4), "electronics": (4, 180, .9),
           "clothing": (8, 60, .7), "travel": (2, 300, .8), "hotels": (2, 220, .6), "airlines": (1.5, 350, .7),
           "digital_goods": (6, 15, .9), "gambling": (1, 40, 1.0), "jewelry": (0.5, 250, 1.0),
           "pharmacy": (5, 20, .6), "utilities": (4, 80, .5), "cash_withdrawal": (0, 100, .6),
           "money_transfer": (2, 150, .9), "entertainment": (6, 25, .7), "home_improvement": (4, 70, .8),
           "telecom": (3, 40, .4)}

FIELDS = ["amount", "currency", "merchant_category", "country", "channel", "card_present", "hour",
          "customer_tenure_days", "txn_count_24h", "amount_sum_24h", "distance_from_home_km", "is_new_merchant"]


def _choice(rng, names, p, n):
    p = np.asarray(p, float)
    return np.array(names, dtype=object)[rng.choice(len(names), n, p=p / p.sum())]


def _legit(rng, n):
    home = _choice(rng, HOME, HOME_P, n)
    ch = _choice(rng, CHANNEL, [55, 30, 10, 5], n)
    legit_mcc = [m for m in MCC if m != "cash_withdrawal"]
    mcc = _choice(rng, legit_mcc, [MCC_AMT[m][0] for m in legit_mcc], n)
    mcc[ch == "atm"] = "cash_withdrawal"
    med = np.array([MCC_AMT[m][1] for m in mcc])
    sig = np.array([MCC_AMT[m][2] for m in mcc])
    amount = np.round(med * np.exp(rng.normal(0, sig)), 2)
    amount[ch == "atm"] = rng.choice([20, 40, 50, 100, 150, 200, 300], (ch == "atm").sum())
    # daytime-heavy hours; night owls exist
    hp = np.array([1, .6, .4, .3, .3, .5, 1.5, 3, 5, 6, 7, 8, 9, 8, 7, 7, 8, 9, 9, 8, 6, 4, 3, 2])
    hour = rng.choice(24, n, p=hp / hp.sum())
    travel = rng.random(n) < 0.04
    country = home.copy()
    country[travel] = _choice(rng, [c for c in COUNTRY], np.ones(len(COUNTRY)), travel.sum())
    # e-commerce merchants abroad are common and legitimate
    abroad_web = (ch == "ecommerce") & (rng.random(n) < 0.12)
    country[abroad_web] = _choice(rng, ["US", "GB", "NL", "IE" if False else "DE", "CN"], [5, 3, 2, 2, 1], abroad_web.sum())
    currency = np.array([HOME_CUR.get(h, "EUR") for h in home], dtype=object)
    fc = travel | abroad_web
    currency[fc] = np.array([FOREIGN_CUR.get(c, "EUR") for c in country[fc]], dtype=object)
    tenure = np.round(np.exp(rng.uniform(np.log(5), np.log(6000), n))).astype(int)
    cnt = rng.poisson(1.8, n)
    asum = np.round(np.array([np.sum(rng.lognormal(np.log(40), .8, c)) for c in cnt]), 2)
    dist = np.round(np.exp(rng.normal(np.log(6), 1.0, n)), 1)
    dist[travel] = np.round(rng.uniform(300, 9000, travel.sum()), 1)
    dist[abroad_web] = np.round(np.exp(rng.normal(np.log(8), 1.0, abroad_web.sum())), 1)  # the customer is at home
    return dict(amount=amount, currency=currency, merchant_category=mcc, country=country, channel=ch,
                card_present=np.isin(ch, ["pos", "atm"]), hour=hour, customer_tenure_days=tenure,
                txn_count_24h=cnt, amount_sum_24h=asum, distance_from_home_km=dist,
                is_new_merchant=rng.random(n) < 0.2)


def _fraud(rng, n):
    r = _legit(rng, n)            # start from plausible rows, then overwrite by pattern
    pat = rng.choice(5, n, p=[.3, .25, .2, .15, .1])
    for k in range(5):
        m = pat == k
        c = int(m.sum())
        if c == 0:
            continue
        if k == 0:    # night e-commerce burst
            r["channel"][m] = "ecommerce"
            r["hour"][m] = rng.choice([0, 1, 2, 3, 4, 5, 23], c)
            r["merchant_category"][m] = _choice(rng, ["digital_goods", "electronics", "gambling"], [5, 3, 2], c)
            r["amount"][m] = np.round(np.exp(rng.normal(np.log(90), .8, c)), 2)
            r["txn_count_24h"][m] = rng.integers(4, 25, c)
            r["amount_sum_24h"][m] = np.round(r["txn_count_24h"][m] * np.exp(rng.normal(np.log(80), .6, c)), 2)
            r["is_new_merchant"][m] = rng.random(c) < 0.9
        elif k == 1:  # foreign card-not-present
            r["channel"][m] = _choice(rng, ["ecommerce", "moto"], [3, 1], c)
            r["country"][m] = _choice(rng, RISKY, [2, 2, 3, 2, 2, 1, 1], c)
            r["currency"][m] = np.array([FOREIGN_CUR[x] for x in r["country"][m]], dtype=object)
            r["distance_from_home_km"][m] = np.round(rng.uniform(800, 11000, c), 1)
            r["amount"][m] = np.round(np.exp(rng.normal(np.log(250), .9, c)), 2)
            r["is_new_merchant"][m] = rng.random(c) < 0.7
        elif k == 2:  # high amount vs history
            r["merchant_category"][m] = _choice(rng, ["jewelry", "electronics", "travel", "airlines"], [3, 4, 2, 1], c)
            r["amount"][m] = np.round(np.exp(rng.normal(np.log(1500), .6, c)), 2)
            r["txn_count_24h"][m] = rng.poisson(0.8, c)
            r["is_new_merchant"][m] = rng.random(c) < 0.8
        elif k == 3:  # new account
            r["customer_tenure_days"][m] = rng.integers(0, 45, c)
            r["merchant_category"][m] = _choice(rng, ["money_transfer", "digital_goods", "electronics"], [4, 3, 2], c)
            r["channel"][m] = _choice(rng, ["ecommerce", "moto", "pos"], [6, 2, 1], c)
            r["amount"][m] = np.round(np.exp(rng.normal(np.log(600), .7, c)), 2)
            r["txn_count_24h"][m] = rng.integers(2, 12, c)
            r["amount_sum_24h"][m] = np.round(r["txn_count_24h"][m] * np.exp(rng.normal(np.log(300), .5, c)), 2)
        else:         # ATM cash-out abroad at night
            r["channel"][m] = "atm"
            r["merchant_category"][m] = "cash_withdrawal"
            r["country"][m] = _choice(rng, RISKY + ["ES", "IT"], [1] * len(RISKY) + [1, 1], c)
            r["currency"][m] = np.array([FOREIGN_CUR.get(x, "EUR") for x in r["country"][m]], dtype=object)
            r["hour"][m] = rng.choice([0, 1, 2, 3, 4, 22, 23], c)
            r["amount"][m] = rng.choice([200, 300, 400, 500, 1000], c).astype(float)
            r["distance_from_home_km"][m] = np.round(rng.uniform(500, 9000, c), 1)
            r["txn_count_24h"][m] = rng.integers(2, 10, c)
            r["amount_sum_24h"][m] = r["txn_count_24h"][m] * 300.0
    r["card_present"] = np.isin(r["channel"], ["pos", "atm"])
    # some fraud hides well: revert a few fields to legit-looking values
    hide = rng.random(n) < 0.3
    r["hour"][hide] = rng.integers(9, 20, hide.sum())
    r["is_new_merchant"][hide] = rng.random(hide.sum()) < 0.2
    r["txn_count_24h"][hide] = rng.poisson(1.8, hide.sum())
    r["distance_from_home_km"][hide] = np.round(np.exp(rng.normal(np.log(6), 1.0, hide.sum())), 1)
    return r


def dataset(seed: int, n: int, fraud_rate=0.01):
    """Returns (records: dict of column arrays in FIELDS, labels int [n]) shuffled."""
    rng = np.random.default_rng(seed)
    nf = int(rng.binomial(n, fraud_rate))
    a, b = _legit(rng, n - nf), _fraud(rng, nf)
    # label noise that real data has too: 10 % of fraud is indistinguishable from normal spending
    # (e.g. account takeover buying the usual things), and 0.2 % of legitimate rows follow a
    # fraud pattern (gamers buying at night, travellers withdrawing cash abroad, big first buys)
    stealth = np.where(rng.random(nf) < 0.10)[0]
    look = np.where(rng.random(n - nf) < 0.002)[0]
    c, d = _legit(rng, len(stealth)), _fraud(rng, len(look))
    for k in FIELDS:
        b[k][stealth] = c[k]
        a[k][look] = d[k]
    cols = {k: np.concatenate([a[k], b[k]]) for k in FIELDS}
    y = np.concatenate([np.zeros(n - nf, int), np.ones(nf, int)])
    perm = rng.permutation(n)
    return {k: v[perm] for k, v in cols.items()}, y[perm]


def record(cols, i):
    """Row i as a JSON-ready record."""
    out = {}
    for k in FIELDS:
        v = cols[k][i]
        if isinstance(v, (np.bool_, bool)):
            v = bool(v)
        elif isinstance(v, np.integer):
            v = int(v)
        elif isinstance(v, np.floating):
            v = round(float(v), 2)
        out[k] = v
    return out
