"""The baseline a user would write by hand: pandas read_csv, a Python classification function applied per row,
a price lookup and a groupby, on the LiteLLM SpendLogs CSV. `python benchmarks/pandas_baseline.py CSV`.

It does the same job as routekit's ingest + classify + cube so that the comparison is fair: the same rules
(routekit/data/task_rules.yaml, first match wins, the same text windows and structural signals) compiled with Python's
`re`, the same prices (one quote per model from the same catalog, cached input at its own rate), the same length
buckets, and a cube with the same keys. It skips what a hand-written script usually skips: no rejects, no manifest,
no per-date price periods, no learned model. Its cube is compared with routekit's in benchmarks/run.py (calls per
task type), so a fast but wrong pipeline would show.
"""
from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

INPUT = ([1_000, 4_000, 16_000, 64_000], ["<1k", "1k-4k", "4k-16k", "16k-64k", "64k+"])
OUTPUT = ([250, 1_000, 4_000], ["<250", "250-1k", "1k-4k", "4k+"])


def window(text: str | None) -> str | None:
    """What the rules read: lower-cased, of a long text the first 3,000 and last 1,000 characters."""
    if text is None:
        return None
    if len(text) > 4000:
        text = text[:3000] + "\n" + text[-1000:]
    return text.lower()


def make_classifier():
    """A per-row function over (messages JSON, metadata JSON) → task type, from the shipped rules."""
    from routekit.classify import CODE_LIKE_RE, default_settings

    code_re = re.compile(CODE_LIKE_RE)
    rules = []
    for r in default_settings().rules:
        rules.append((r.task_type, r.where, re.compile(r.pattern) if r.pattern else None,
                      re.compile(r.unless) if r.unless else None, dict(r.when)))

    def classify(messages: str, response: str) -> str:
        try:
            msgs = json.loads(messages) if isinstance(messages, str) and messages else []
        except ValueError:
            msgs = []
        system = next((m.get("content") for m in msgs if m.get("role") == "system"), None)
        user = next((m.get("content") for m in reversed(msgs) if m.get("role") == "user"), None)
        system = system if isinstance(system, str) else None
        user = user if isinstance(user, str) else None
        text = {"system": window(system), "user": window(user)}
        signals = {
            "tool_use": '"tool_calls"' in (response or ""),
            "json_mode": False,
            "code_block": ("```" in (user or "")) or ("```" in (system or ""))
                          or bool(user and code_re.search(user[:4000].lower())),
            "has_text": bool((user or "").strip() or (system or "").strip()),
            "has_system": bool((system or "").strip()),
        }
        n_messages = len(msgs)
        for task, where, pattern, unless, when in rules:
            ok = True
            for name, value in when.items():
                if name == "min_messages":
                    ok = n_messages >= value
                elif name == "max_messages":
                    ok = n_messages <= value
                else:
                    ok = signals[name] == value
                if not ok:
                    break
            if not ok:
                continue
            fields = [text["system"], text["user"]] if where == "both" else [text.get(where)]
            if pattern is not None and not any(f is not None and pattern.search(f) for f in fields):
                continue
            if unless is not None and any(f is not None and unless.search(f) for f in fields):
                continue
            return task
        return "other"

    return classify


def prices_per_token(models) -> dict:
    """model → (input, cached input, output) USD per token, one quote per model (what a script would hard-code)."""
    import datetime as dt

    from routekit.prices import PriceCatalog

    catalog = PriceCatalog()
    out = {}
    for model in models:
        provider = "anthropic" if model.startswith("claude") else "openai"
        q = catalog.quote(model, provider, dt.date(2026, 10, 15))
        out[model] = (float(q.input_per_mtok) / 1e6, float(q.cached_input_per_mtok or q.input_per_mtok) / 1e6,
                      float(q.output_per_mtok) / 1e6)
    return out


def pipeline(csv: Path) -> dict:
    import numpy as np
    import pandas as pd

    t0 = time.perf_counter()
    df = pd.read_csv(csv, keep_default_na=False, na_values=[""])
    t_read = time.perf_counter() - t0

    classify = make_classifier()
    df["task_type"] = [classify(m, r) for m, r in zip(df["messages"], df["response"])]
    t_classify = time.perf_counter() - t0 - t_read

    meta = df["metadata"].map(json.loads)
    df["feature"] = meta.map(lambda m: (m.get("spend_logs_metadata") or {}).get("feature"))
    df["cached"] = meta.map(lambda m: ((m.get("usage_object") or {}).get("prompt_tokens_details") or {})
                            .get("cached_tokens") or 0)
    prices = prices_per_token(df["model"].unique())
    p = np.array([prices[m] for m in df["model"]])
    uncached = df["prompt_tokens"] - df["cached"]
    df["cost_usd"] = uncached * p[:, 0] + df["cached"] * p[:, 1] + df["completion_tokens"] * p[:, 2]
    df["month"] = pd.to_datetime(df["startTime"].str[:10]).dt.to_period("M")
    df["len_in"] = pd.cut(df["prompt_tokens"], [-1, *[b - 1 for b in INPUT[0]], np.inf], labels=INPUT[1])
    df["len_out"] = pd.cut(df["completion_tokens"], [-1, *[b - 1 for b in OUTPUT[0]], np.inf], labels=OUTPUT[1])
    cube = (df.groupby(["month", "custom_llm_provider", "model", "feature", "task_type", "len_in", "len_out"],
                       observed=True)
              .agg(calls=("request_id", "size"), input_tokens=("prompt_tokens", "sum"),
                   output_tokens=("completion_tokens", "sum"), cost_usd=("cost_usd", "sum"))
              .reset_index())
    t_total = time.perf_counter() - t0
    per_task = cube.groupby("task_type")["calls"].sum().to_dict()
    return {"rows": len(df), "cube_rows": len(cube), "cost_usd": round(float(cube["cost_usd"].sum()), 2),
            "read_seconds": round(t_read, 2), "classify_seconds": round(t_classify, 2),
            "seconds_total": round(t_total, 2), "calls_per_task": {k: int(v) for k, v in per_task.items()}}


if __name__ == "__main__":
    print(json.dumps(pipeline(Path(sys.argv[1])), indent=1))
