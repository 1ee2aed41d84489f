"""Scoring the NLU on a labelled held-out set (`hotline eval`, `make bench`). Pure logic, no I/O,
except `confusion_png`, which draws a matrix with matplotlib.

A held-out row is a JSON object: `text`, `intent`, and for appeals `category`, `appeal_type`,
`kind` ("chat" or "letter"), `entities` (`[{"entity", "value"}]`, each value a substring of the
text; `entities_marked` lists the kinds marked where a row marks only some), optionally
`second_category` (a second matter in the same message) and `scope` ("other_city": a real
problem, but not this district's). A prediction is a line of
`hotline classify`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple

OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "nlu_fallback"
ENTITY_TYPES = ("address", "time", "phone", "plate", "ticket_number")

Pair = Tuple[str, str]


@dataclass(frozen=True)
class Scores:
    """Precision, recall, F1 and support of one label."""

    precision: float
    recall: float
    f1: float
    support: int


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def f1_table(pairs: Sequence[Pair]) -> Dict[str, Scores]:
    """Scores per gold label of (gold, predicted) pairs."""
    gold_count = Counter(g for g, _ in pairs)
    pred_count = Counter(p for _, p in pairs)
    hits = Counter(g for g, p in pairs if g == p)
    table = {}
    for label in sorted(gold_count):
        precision = hits[label] / pred_count[label] if pred_count[label] else 0.0
        recall = hits[label] / gold_count[label]
        table[label] = Scores(precision, recall, _f1(precision, recall), gold_count[label])
    return table


@dataclass(frozen=True)
class LabelFigures:
    n: int
    accuracy: float
    macro_f1: float

    @classmethod
    def of(cls, pairs: Sequence[Pair]) -> LabelFigures:
        if not pairs:
            return cls(0, 0.0, 0.0)
        table = f1_table(pairs)
        accuracy = sum(g == p for g, p in pairs) / len(pairs)
        return cls(len(pairs), accuracy, sum(s.f1 for s in table.values()) / len(table))


def gold_spans(text: str, entities: Iterable[Mapping[str, str]]) -> List[Tuple[str, int, int]]:
    """(type, start, end) of annotated values; a value that repeats takes its next occurrence."""
    spans: List[Tuple[str, int, int]] = []
    for entity in entities:
        value = entity["value"]
        start = text.find(value)
        while start >= 0 and any(s == start and t == entity["entity"] for t, s, _ in spans):
            start = text.find(value, start + 1)
        if start < 0:
            raise ValueError(f"entity value {value!r} is not in the text {text[:40]!r}…")
        spans.append((entity["entity"], start, start + len(value)))
    return spans


@dataclass
class EntityCounts:
    """Counts for one entity type under two matching rules: exact span, and overlapping span."""

    gold: int = 0
    predicted: int = 0
    exact: int = 0
    overlap: int = 0

    def scores(self, overlap: bool) -> Scores:
        hits = self.overlap if overlap else self.exact
        precision = hits / self.predicted if self.predicted else 0.0
        recall = hits / self.gold if self.gold else 0.0
        return Scores(precision, recall, _f1(precision, recall), self.gold)


def count_entities(
    gold: Sequence[Tuple[str, int, int]], predicted: Sequence[Tuple[str, int, int]], counts: Dict[str, EntityCounts]
) -> None:
    """Add one message's entities to `counts`; each gold span matches at most one prediction."""
    for kind, _, _ in gold:
        counts.setdefault(kind, EntityCounts()).gold += 1
    for kind, _, _ in predicted:
        counts.setdefault(kind, EntityCounts()).predicted += 1
    used_exact: set = set()
    used_overlap: set = set()
    for kind, start, end in predicted:
        for gold_index, (gold_kind, gold_start, gold_end) in enumerate(gold):
            if gold_kind != kind:
                continue
            if (start, end) == (gold_start, gold_end) and gold_index not in used_exact:
                used_exact.add(gold_index)
                counts[kind].exact += 1
                break
        for gold_index, (gold_kind, gold_start, gold_end) in enumerate(gold):
            if gold_kind == kind and start < gold_end and end > gold_start and gold_index not in used_overlap:
                used_overlap.add(gold_index)
                counts[kind].overlap += 1
                break


def predicted_out_of_scope(prediction: Mapping[str, Any]) -> bool:
    """The bot declines the message: out-of-scope intent, or a place outside the district."""
    return prediction.get("intent") == OUT_OF_SCOPE or prediction.get("in_scope") is False


def gold_out_of_scope(row: Mapping[str, Any]) -> bool:
    return row.get("intent") == OUT_OF_SCOPE or row.get("scope") == "other_city"


@dataclass
class Report:
    """Every figure of one evaluation run."""

    intent: LabelFigures
    category: LabelFigures
    category_by_kind: Dict[str, LabelFigures]
    sector: LabelFigures
    appeal_type: LabelFigures
    # Against the held-out writer's first labels, before the blind second labelling and adjudication
    # (nlu_data/LABELLING.md): shown beside the adjudicated figure so the relabelling hides nothing.
    appeal_type_writer: LabelFigures
    # Against the adjudicated labels as they were before the second blind check of 2026-11-23 (LABELLING.md).
    appeal_type_previous: LabelFigures
    category_table: Dict[str, Scores]
    category_pairs: List[Pair]
    entities: Dict[str, EntityCounts]
    oos_recall: float
    oos_support: int
    false_rejection: float
    fallback_rate: float
    in_scope_support: int
    second_matter_recall: float
    second_matter_support: int
    second_matter_false_alarms: float
    latency_ms: Dict[str, float] = field(default_factory=dict)
    throughput: float = 0.0


def _appeal_type_against(labels: str, pairs: Sequence[Tuple[Mapping[str, Any], Mapping[str, Any]]]) -> LabelFigures:
    """Appeal type against the labels under key `labels`; a row without them keeps its current label."""
    return LabelFigures.of(
        [(r.get(labels) or r["appeal_type"], p.get("appeal_type") or "") for r, p in pairs if r.get("appeal_type")]
    )


def score(
    rows: Sequence[Mapping[str, Any]], predictions: Sequence[Mapping[str, Any]], sectors: Mapping[str, str]
) -> Report:
    """Compare predictions with gold rows, one to one and in order."""
    if len(rows) != len(predictions):
        raise ValueError("rows and predictions differ in length")
    pairs = list(zip(rows, predictions, strict=True))
    category_pairs = [(r["category"], p["category"]) for r, p in pairs if r.get("category")]
    by_kind: Dict[str, List[Pair]] = {}
    for r, p in pairs:
        if r.get("category"):
            by_kind.setdefault(r.get("kind") or "chat", []).append((r["category"], p["category"]))
    entity_counts: Dict[str, EntityCounts] = {kind: EntityCounts() for kind in ENTITY_TYPES}
    for r, p in pairs:
        if "entities" not in r:
            continue  # a row without annotation says nothing about entities
        marked = r.get("entities_marked") or ENTITY_TYPES  # a row may mark only some kinds
        predicted = [(e["entity"], e["start"], e["end"]) for e in p.get("entities") or [] if e["entity"] in marked]
        count_entities(gold_spans(r["text"], r["entities"]), predicted, entity_counts)
    oos = [p for r, p in pairs if gold_out_of_scope(r)]
    in_scope = [p for r, p in pairs if not gold_out_of_scope(r)]
    second = [(r["second_category"], p.get("second_category")) for r, p in pairs if r.get("second_category")]
    single = [p for r, p in pairs if r.get("category") and not r.get("second_category")]
    return Report(
        intent=LabelFigures.of([(r["intent"], p.get("intent") or "") for r, p in pairs if r.get("intent")]),
        category=LabelFigures.of(category_pairs),
        category_by_kind={kind: LabelFigures.of(items) for kind, items in sorted(by_kind.items())},
        sector=LabelFigures.of(
            [(sectors.get(g, ""), sectors.get(p, "")) for g, p in category_pairs],
        ),
        appeal_type=_appeal_type_against("appeal_type", pairs),
        appeal_type_writer=_appeal_type_against("appeal_type_writer", pairs),
        appeal_type_previous=_appeal_type_against("appeal_type_previous", pairs),
        category_table=f1_table(category_pairs),
        category_pairs=category_pairs,
        entities=entity_counts,
        oos_recall=sum(predicted_out_of_scope(p) for p in oos) / len(oos) if oos else 0.0,
        oos_support=len(oos),
        false_rejection=sum(predicted_out_of_scope(p) for p in in_scope) / len(in_scope) if in_scope else 0.0,
        fallback_rate=sum(p.get("intent") == FALLBACK for p in in_scope) / len(in_scope) if in_scope else 0.0,
        in_scope_support=len(in_scope),
        second_matter_recall=sum(g == p for g, p in second) / len(second) if second else 0.0,
        second_matter_support=len(second),
        second_matter_false_alarms=sum(bool(p.get("second_category")) for p in single) / len(single) if single else 0.0,
    )


def latency_summary(seconds: Sequence[float]) -> Dict[str, float]:
    ordered = sorted(seconds)
    if not ordered:
        return {"mean_ms": 0.0, "p50_ms": 0.0, "p95_ms": 0.0}
    return {
        "mean_ms": round(1000 * sum(ordered) / len(ordered), 1),
        "p50_ms": round(1000 * ordered[len(ordered) // 2], 1),
        "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1),
    }


def _figures(name: str, figures: LabelFigures) -> str:
    return f"{name:<22} n={figures.n:<5} accuracy={figures.accuracy:.3f}  macro-F1={figures.macro_f1:.3f}"


def format_report(report: Report) -> str:
    lines = [
        _figures("intent", report.intent),
        _figures("category (all)", report.category),
        *[_figures(f"category ({kind})", figures) for kind, figures in report.category_by_kind.items()],
        _figures("sector", report.sector),
        _figures("appeal type", report.appeal_type),
        _figures("  (writer's labels)", report.appeal_type_writer),
        _figures("  (before 2nd check)", report.appeal_type_previous),
        f"out of scope: recall={report.oos_recall:.3f} (n={report.oos_support})  "
        f"in-scope rejected={report.false_rejection:.3f}  fallback={report.fallback_rate:.3f} "
        f"(n={report.in_scope_support})",
        f"second matter: recall={report.second_matter_recall:.3f} (n={report.second_matter_support})  "
        f"false alarms on single-matter messages={report.second_matter_false_alarms:.3f}",
        "",
        f"{'entity':<15}{'n':>5}{'P':>7}{'R':>7}{'F1':>7}   overlap:{'P':>6}{'R':>7}{'F1':>7}",
    ]
    for kind, counts in report.entities.items():
        exact, loose = counts.scores(overlap=False), counts.scores(overlap=True)
        lines.append(
            f"{kind:<15}{counts.gold:>5}{exact.precision:>7.3f}{exact.recall:>7.3f}{exact.f1:>7.3f}"
            f"   {'':>8}{loose.precision:>6.3f}{loose.recall:>7.3f}{loose.f1:>7.3f}"
        )
    lines += ["", f"{'category':<22}{'P':>7}{'R':>7}{'F1':>7}{'n':>5}"]
    for label, row in report.category_table.items():
        lines.append(f"{label:<22}{row.precision:>7.2f}{row.recall:>7.2f}{row.f1:>7.2f}{row.support:>5}")
    if report.latency_ms:
        lines += [
            "",
            "Rasa parse latency per message: "
            + ", ".join(f"{k.replace('_ms', '')} {v} ms" for k, v in report.latency_ms.items()),
            f"hotline classify throughput: {report.throughput:.1f} messages/s",
        ]
    return "\n".join(lines)


def confusion_png(pairs: Sequence[Pair], path: Path, title: str) -> Path:
    """A row-normalised confusion matrix of categories (gold rows, predicted columns)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    labels = sorted({g for g, _ in pairs} | {p for _, p in pairs})
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)))
    for gold, predicted in pairs:
        matrix[index[gold], index[predicted]] += 1
    rows = matrix.sum(axis=1, keepdims=True)
    normalised = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    size = max(6.0, 0.32 * len(labels) + 2)
    figure, axes = plt.subplots(figsize=(size, size))
    axes.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    axes.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    axes.set_yticks(range(len(labels)), labels, fontsize=7)
    axes.set_xlabel("predicted")
    axes.set_ylabel("gold")
    axes.set_title(title, fontsize=9)
    for (i, j), value in np.ndenumerate(matrix):
        if value:
            colour = "white" if normalised[i, j] > 0.5 else "black"
            axes.text(j, i, str(int(value)), ha="center", va="center", fontsize=6, color=colour)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def _shingles(text: str, size: int = 3) -> frozenset:
    """Character n-grams of a text folded to simplified, half-width, lower case, letters and digits only."""
    from bot.nlu.text import normalize

    plain = "".join(ch for ch in normalize(text).lower() if ch.isalnum())
    if len(plain) <= size:
        return frozenset([plain]) if plain else frozenset()
    return frozenset(plain[i : i + size] for i in range(len(plain) - size + 1))


def near_duplicates(
    heldout: Sequence[str], training: Sequence[str], threshold: float = 0.5
) -> List[Tuple[str, str, float]]:
    """Held-out texts whose character-trigram Jaccard similarity to a training text is ≥ `threshold`
    (1.0: the same text up to punctuation, spacing, width and 繁/简), with their closest match."""
    train_sets = [_shingles(text) for text in training]
    index: Dict[str, List[int]] = {}
    for i, shingles in enumerate(train_sets):
        for shingle in shingles:
            index.setdefault(shingle, []).append(i)
    found = []
    for text in heldout:
        mine = _shingles(text)
        shared: Counter = Counter(i for shingle in mine for i in index.get(shingle, ()))
        best, best_score = -1, 0.0
        for i, common in shared.items():
            similarity = common / (len(mine) + len(train_sets[i]) - common)
            if similarity > best_score:
                best, best_score = i, similarity
        if best >= 0 and best_score >= threshold:
            found.append((text, training[best], round(best_score, 3)))
    return found
