"""`hotline eval` and `make bench`: our NLU on the held-out set, and two peers trained in the same
run on the same training data — stock Rasa (JiebaTokenizer + CountVectorsFeaturizer + DIET,
default settings) and a TF-IDF character n-gram LinearSVC — so the ratios are like for like."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Sequence, Tuple

from bot.citypack import CityPack
from bot.evaluation import Report, confusion_png, format_report, latency_summary, score

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "data" / "heldout"
# Written blind like the held-out set, but looked at while the entity tagger and its features were
# chosen: a development set, reported apart (`hotline eval --data tests/data/dev`).
DEVELOPMENT = ROOT / "tests" / "data" / "dev"
TRAINING_DATA = ROOT / "nlu_data"
LABELS = ("category", "appeal_type")


def load_rows(paths: Sequence[Path]) -> List[Dict[str, Any]]:
    """Held-out rows from JSON Lines files, or from every `*.jsonl` of a folder."""
    files: List[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.jsonl")) if path.is_dir() else [path])
    rows = []
    for file in files:
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def _nlu_messages(data: Path) -> List[Any]:
    """Intent examples of every NLU file under `data` (stories and rules are skipped)."""
    from rasa.shared.data import get_data_files, is_nlu_file
    from rasa.shared.nlu.training_data.loading import load_data

    messages: List[Any] = []
    for file in sorted(get_data_files([str(data)], is_nlu_file)):
        messages.extend(load_data(file, language="zh").intent_examples)
    return messages


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    appeal_type: str


def training_examples(data: Path = TRAINING_DATA) -> List[Example]:
    """The appeals of the training data with their category and appeal type (block metadata)."""
    from rasa.shared.nlu.constants import METADATA, METADATA_EXAMPLE, METADATA_INTENT, TEXT

    examples = []
    for message in _nlu_messages(data):
        metadata = message.get(METADATA) or {}
        labels = {**(metadata.get(METADATA_INTENT) or {}), **(metadata.get(METADATA_EXAMPLE) or {})}
        if labels.get("category") and labels.get("appeal_type"):
            examples.append(Example(message.get(TEXT), str(labels["category"]), str(labels["appeal_type"])))
    return examples


def training_texts(data: Path = TRAINING_DATA) -> List[str]:
    """Every example text of the training data, entity marks removed."""
    from rasa.shared.nlu.constants import TEXT

    return [message.get(TEXT) for message in _nlu_messages(data)]


Predict = Callable[[List[str]], List[Dict[str, str]]]


def svc_peer(examples: Sequence[Example]) -> Predict:
    """TF-IDF over character 1–3-grams with a linear SVM, one per label: the classic strong baseline."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    texts = [e.text for e in examples]
    models = {}
    for label in LABELS:
        model = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True), LinearSVC())
        model.fit(texts, [getattr(e, label) for e in examples])
        models[label] = model

    def predict(batch: List[str]) -> List[Dict[str, str]]:
        columns = {label: models[label].predict(batch) for label in LABELS}
        return [{label: str(columns[label][i]) for label in LABELS} for i in range(len(batch))]

    return predict


STOCK_CONFIG = """recipe: default.v1
language: zh
pipeline:
  - name: JiebaTokenizer
  - name: CountVectorsFeaturizer
  - name: DIETClassifier
{epochs}policies: []
"""


def stock_rasa_peer(examples: Sequence[Example], workdir: Path, epochs: int | None) -> Predict:
    """Stock Rasa, one model per label: the label becomes the intent. `epochs=None` is DIET's default."""
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    agents = {}
    for label in LABELS:
        folder = workdir / label
        folder.mkdir(parents=True, exist_ok=True)
        by_label: Dict[str, List[str]] = {}
        for example in examples:
            by_label.setdefault(getattr(example, label), []).append(example.text)
        lines = ['version: "3.1"', "nlu:"]
        for name, texts in sorted(by_label.items()):
            lines += [f"- intent: {name}", "  examples: |"]
            lines += [f"    - {' '.join(text.split())}" for text in dict.fromkeys(texts)]
        (folder / "nlu.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        config = STOCK_CONFIG.format(epochs=f"    epochs: {epochs}\n" if epochs else "")
        (folder / "config.yml").write_text(config, encoding="utf-8")
        model = train_nlu(str(folder / "config.yml"), str(folder / "nlu.yml"), str(folder / "models"))
        if not model:
            raise RuntimeError(f"stock Rasa training for {label} failed")
        agents[label] = Agent.load(model)

    def predict(batch: List[str]) -> List[Dict[str, str]]:
        async def parse_all() -> List[Dict[str, str]]:
            out = []
            for text in batch:
                row = {}
                for label, agent in agents.items():
                    parsed = await agent.parse_message(text)
                    row[label] = str((parsed.get("intent") or {}).get("name") or "")
                out.append(row)
            return out

        return asyncio.run(parse_all())

    return predict


def evaluate_ours(model: Path, pack: CityPack, rows: Sequence[Mapping[str, Any]]) -> Tuple[Report, List[Dict]]:
    """Our whole pipeline, as `hotline classify` runs it, with latency and throughput."""
    from bot.classify import Classifier

    classifier = Classifier(model, pack)

    async def run() -> Tuple[List[Dict[str, Any]], List[float], float]:
        await classifier.parse("预热")  # the first parse loads lazily; do not time it
        predictions, parse_seconds = [], []
        started = time.perf_counter()
        for row in rows:
            before = time.perf_counter()
            parsed = await classifier.parse(row["text"])
            parse_seconds.append(time.perf_counter() - before)
            predictions.append(classifier.record(row["text"], parsed))
        return predictions, parse_seconds, time.perf_counter() - started

    predictions, parse_seconds, total = asyncio.run(run())
    report = score(rows, predictions, pack.taxonomy.sectors())
    report.latency_ms = latency_summary(parse_seconds)
    report.throughput = len(rows) / total if total else 0.0
    return report, predictions


def evaluate_peer(predict: Predict, pack: CityPack, rows: Sequence[Mapping[str, Any]]) -> Report:
    appeals = [row for row in rows if row.get("category")]
    labels = predict([row["text"] for row in appeals])
    predictions = [{"intent": "report_problem", **label} for label in labels]
    return score(appeals, predictions, pack.taxonomy.sectors())


def headline(report: Report) -> Dict[str, float]:
    """The figures the issue sets targets on, by name."""
    kinds = report.category_by_kind
    return {
        "category macro-F1 (chat)": kinds["chat"].macro_f1 if "chat" in kinds else 0.0,
        "category macro-F1 (letters)": kinds["letter"].macro_f1 if "letter" in kinds else 0.0,
        "category macro-F1 (all)": report.category.macro_f1,
        "sector accuracy": report.sector.accuracy,
        "appeal type macro-F1": report.appeal_type.macro_f1,
        "  before the 2nd check": report.appeal_type_previous.macro_f1,
    }


def comparison_table(ours: Report, peers: Mapping[str, Report]) -> str:
    names = list(peers)
    header = f"{'figure':<30}{'ours':>8}" + "".join(f"{n:>14}" for n in names)
    header += "".join(f"{'ours/' + n:>18}" for n in names)
    lines = [header]
    ours_figures = headline(ours)
    peer_figures = {name: headline(report) for name, report in peers.items()}
    for figure, value in ours_figures.items():
        line = f"{figure:<30}{value:>8.3f}" + "".join(f"{peer_figures[n][figure]:>14.3f}" for n in names)
        line += "".join(
            f"{(value / peer_figures[n][figure] if peer_figures[n][figure] else float('inf')):>18.3f}" for n in names
        )
        lines.append(line)
    return "\n".join(lines)


def run_eval(model: Path, pack: CityPack, data: Sequence[Path], out: Path) -> Report:
    rows = load_rows(data)
    report, predictions = evaluate_ours(model, pack, rows)
    print(format_report(report))
    png = confusion_png(report.category_pairs, out / "confusion_category.png", f"category, n={report.category.n}")
    out.mkdir(parents=True, exist_ok=True)
    with (out / "predictions.jsonl").open("w", encoding="utf-8") as file:
        for row, prediction in zip(rows, predictions, strict=True):
            file.write(json.dumps({"gold": row, "predicted": prediction}, ensure_ascii=False) + "\n")
    print(f"\nconfusion matrix: {png}\npredictions: {out / 'predictions.jsonl'}")
    return report


def run_bench(model: Path, pack: CityPack, data: Sequence[Path], out: Path, stock_epochs: int | None) -> None:
    ours = run_eval(model, pack, data, out)
    rows = load_rows(data)
    examples = training_examples()
    print(f"\npeers trained now on the same {len(examples)} training appeals …", flush=True)
    peers: Dict[str, Report] = {}
    started = time.perf_counter()
    peers["tfidf-svc"] = evaluate_peer(svc_peer(examples), pack, rows)
    print(f"  TF-IDF char n-gram LinearSVC: {time.perf_counter() - started:.0f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="stock-rasa-") as workdir:
        started = time.perf_counter()
        peers["stock-rasa"] = evaluate_peer(stock_rasa_peer(examples, Path(workdir), stock_epochs), pack, rows)
        epochs = f"{stock_epochs} epochs" if stock_epochs else "DIET's default 300 epochs"
        print(f"  stock Rasa (JiebaTokenizer + CountVectors + DIET, {epochs}): "
              f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
    print("\n" + comparison_table(ours, peers))
