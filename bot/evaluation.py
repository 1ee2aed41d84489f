"""Figures for `hotline eval`: accuracy and macro-F1 per label, per-class F1 of categories."""

from __future__ import annotations

from collections import Counter
from typing import Any, Dict, List, Tuple


def f1_table(pairs: List[Tuple[str, str]]) -> Dict[str, Dict[str, float]]:
    """Precision, recall, F1 and support per gold label of (gold, predicted) pairs."""
    gold_count = Counter(g for g, _ in pairs)
    pred_count = Counter(p for _, p in pairs)
    hits = Counter(g for g, p in pairs if g == p)
    table = {}
    for label in sorted(gold_count):
        precision = hits[label] / pred_count[label] if pred_count[label] else 0.0
        recall = hits[label] / gold_count[label]
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[label] = {"precision": precision, "recall": recall, "f1": f1, "support": gold_count[label]}
    return table


def _line(name: str, pairs: List[Tuple[str, str]]) -> str:
    if not pairs:
        return f"{name}: no labelled rows"
    table = f1_table(pairs)
    accuracy = sum(g == p for g, p in pairs) / len(pairs)
    macro = sum(row["f1"] for row in table.values()) / len(table)
    return f"{name}: n={len(pairs)} accuracy={accuracy:.3f} macro-F1={macro:.3f}"


def report(rows: List[Dict[str, Any]], predictions: List[Dict[str, Any]]) -> str:
    intents = [(r["intent"], p["intent"]) for r, p in zip(rows, predictions, strict=True) if r.get("intent")]
    categories = [(r["category"], p["category"]) for r, p in zip(rows, predictions, strict=True) if r.get("category")]
    appeal_types = [
        (r["appeal_type"], p["appeal_type"]) for r, p in zip(rows, predictions, strict=True) if r.get("appeal_type")
    ]
    lines = [_line("intent", intents), _line("category", categories), _line("appeal_type", appeal_types), ""]
    lines.append(f"{'category':<22}{'P':>7}{'R':>7}{'F1':>7}{'n':>5}")
    for label, row in f1_table(categories).items():
        lines.append(f"{label:<22}{row['precision']:>7.2f}{row['recall']:>7.2f}{row['f1']:>7.2f}{row['support']:>5}")
    return "\n".join(lines)
