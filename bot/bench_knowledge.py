"""`hotline bench-knowledge`: does the bot answer inquiries with the right article and leave
complaints alone? Also how long one knowledge-base search takes.

Reads the seed articles of the city pack and the blind questions in `tests/data/knowledge/`
(written apart from the articles, as residents ask; never used to train or tune), reads each
text with the trained model as the bot does, and applies the same decision as the bot
(`bot.knowledge.policy.bot_answers`). Not part of `make test`; `make bench` runs it.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence

import yaml

from bot.bench import HELDOUT, load_rows
from bot.citypack import CityPack
from bot.knowledge import policy
from bot.knowledge.search import Hit, Index, build, entry, search
from bot.settings import ROOT

DATA = ROOT / "tests" / "data" / "knowledge"
BLIND_FILES = ("inquiries.jsonl", "complaints.jsonl")
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def seed_index(path: Path) -> Index:
    """The city pack's seed articles as the service indexes them (ids in file order from 1)."""
    articles = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("articles") or []
    return build(
        entry(i, a["kind"], a["title"], a.get("keywords", ""), a.get("category"), a["answer"], a.get("office", ""))
        for i, a in enumerate(articles, start=1)
    )


@dataclass(frozen=True)
class Reading:
    """One blind text as the bot sees it: the classifier's appeal type and category, the best article."""

    text: str
    expected: str | None  # the article title that answers it; None: no article does / not an inquiry
    inquiry: bool  # written as an inquiry (咨询) rather than a complaint, report, help …
    appeal_type: str | None
    best: Hit | None

    def answered(self, min_confidence: float = policy.MIN_CONFIDENCE) -> bool:
        """The bot's own decision (bot.knowledge.policy), at its threshold or another one."""
        if self.best is None:
            return False
        return policy.bot_answers(self.appeal_type, self.text, self.best.score, self.best.confidence, min_confidence)

    @property
    def right(self) -> bool:
        return self.best is not None and self.best.title == self.expected


def read_all(classifier: Any, index: Index, rows: Sequence[Dict[str, Any]]) -> List[Reading]:
    async def parse_all() -> List[Dict[str, Any]]:
        return [await classifier.parse(row["text"]) for row in rows]

    parsed = asyncio.run(parse_all())
    readings = []
    for row, parse in zip(rows, parsed, strict=True):
        matter = parse.get("matter") or {}
        hits = search(index, row["text"], 1, matter.get("category"))
        inquiry = "article" in row
        readings.append(
            Reading(row["text"], row.get("article"), inquiry, matter.get("appeal_type"), hits[0] if hits else None)
        )
    return readings


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole}（{100 * part / whole:.1f} %）" if whole else "—"


def search_latency(index: Index, texts: Sequence[str], rounds: int = 3) -> Dict[str, float]:
    times = []
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter()
            search(index, text, 3)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))], "max": times[-1]}


def scaled(index: Index, copies: int) -> Index:
    """The same articles many times over (fresh ids): how search time grows with the base."""
    count = len(index.entries)
    return build(
        entry(n * count + e.id, e.kind, e.title, " ".join(e.strong_tokens), e.category, e.answer, e.office)
        for n in range(copies)
        for e in index.entries
    )


def report(readings: Sequence[Reading], heldout: Sequence[Reading], index: Index) -> List[str]:
    asked = [r for r in readings if r.inquiry and r.expected]
    unanswerable = [r for r in readings if r.inquiry and not r.expected]
    appeals = [r for r in readings if not r.inquiry]
    n = len(asked)
    lines = [
        f"知识库评测：示例知识 {len(index.entries)} 条；盲测咨询 {n} 条有对应知识、{len(unanswerable)} 条没有；"
        f"提到同类话题的投诉/举报/求助等 {len(appeals)} 条",
        f"  检索首条即对应知识（只看检索）：{_share(sum(r.right for r in asked), n)}",
        f"  诉求类型判为“咨询”：{_share(sum(r.appeal_type == 'inquiry' for r in asked), n)}；"
        f"判为“求助”且是问句：{_share(sum(r.appeal_type == 'help' and policy.is_question(r.text) for r in asked), n)}",
        f"  机器人直接答复且答对（与机器人同一规则）：{_share(sum(r.answered() and r.right for r in asked), n)}",
        f"  机器人答复但答错了知识：{_share(sum(r.answered() and not r.right for r in asked), n)}",
        f"  未答复、照常建单：{_share(sum(not r.answered() for r in asked), n)}",
        f"  没有对应知识的咨询被误答：{_share(sum(r.answered() for r in unanswerable), len(unanswerable))}",
        f"  投诉/举报等被知识库误答（盲测）：{_share(sum(r.answered() for r in appeals), len(appeals))}",
    ]
    if heldout:
        wrongly = _share(sum(r.answered() for r in heldout), len(heldout))
        lines.append(f"  投诉/举报等被知识库误答（NLU 留出集里的非咨询诉求）：{wrongly}")
    lines.append("  匹配度阈值扫描：答对的咨询 / 答错知识或误答的咨询 / 误答的投诉等（盲测与留出集合计）：")
    inquiries = [*asked, *unanswerable]
    for threshold in THRESHOLDS:
        right = _share(sum(r.answered(threshold) and r.right for r in asked), n)
        misled = _share(sum(r.answered(threshold) and not r.right for r in inquiries), len(inquiries))
        wrong = _share(sum(r.answered(threshold) for r in [*appeals, *heldout]), len(appeals) + len(heldout))
        mark = " ← 当前" if threshold == policy.MIN_CONFIDENCE else ""
        lines.append(f"    ≥ {threshold:.1f}：{right} / {misled} / {wrong}{mark}")
    texts = [r.text for r in readings]
    larger = scaled(index, 1000 // max(1, len(index.entries)) + 1)
    for searched in (index, larger):
        took = search_latency(searched, texts)
        lines.append(
            f"  一次检索用时（{len(searched.entries)} 条知识）：p50 {took['p50']:.2f} ms，"
            f"p95 {took['p95']:.2f} ms，最大 {took['max']:.2f} ms"
        )
    return lines


async def api_latency(texts: Sequence[str], rounds: int = 3) -> Dict[str, float]:
    """`GET /api/v1/knowledge` as the action server calls it: HTTP, service token, JSON, a fresh database."""
    import tempfile

    import aiohttp

    from bot.bench_linkage import serving
    from bot.citypack import DEFAULT_PACK
    from bot.settings import Settings
    from bot.web.app import init_app

    token = "bench-service-token-0123456789"
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite:///{folder}/knowledge.sqlite3",
            service_token=token,
            rasa_url="http://127.0.0.1:9",
            city_pack=DEFAULT_PACK,
            scheduler_seconds=0,
            suggest_model=None,
        )
        times = []
        async with serving(init_app(settings)) as base, aiohttp.ClientSession() as http:
            headers = {"Authorization": f"Bearer {token}"}
            for _ in range(rounds):
                for text in texts:
                    started = time.perf_counter()
                    async with http.get(f"{base}/api/v1/knowledge", params={"q": text}, headers=headers) as answer:
                        assert answer.status == 200, await answer.text()
                        await answer.read()
                    times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))], "max": times[-1]}


def misses(readings: Sequence[Reading]) -> List[Dict[str, Any]]:
    """Every blind text the bot would get wrong, for reading (var/eval/knowledge_misses.jsonl)."""
    out = []
    for r in readings:
        wrong = (r.inquiry and r.expected and not (r.answered() and r.right)) or (
            r.answered() and not (r.inquiry and r.right)
        )
        if wrong:
            out.append(
                {
                    "text": r.text,
                    "expected": r.expected,
                    "appeal_type": r.appeal_type,
                    "best": r.best.title if r.best else None,
                    "score": r.best.score if r.best else None,
                    "confidence": r.best.confidence if r.best else None,
                    "answered": r.answered(),
                }
            )
    return out


def run_benchmark(model: Path, pack: CityPack, pack_folder: Path, out: Path, heldout: bool = True) -> int:
    from bot.classify import Classifier

    index = seed_index(pack_folder / "knowledge.yml")
    rows = load_rows([DATA / name for name in BLIND_FILES])
    classifier = Classifier(model, pack)
    readings = read_all(classifier, index, rows)
    others: List[Reading] = []
    if heldout:
        appeals = [
            {"text": r["text"]}
            for r in load_rows([HELDOUT / "chat.jsonl", HELDOUT / "letters.jsonl"])
            if r.get("intent") == "report_problem" and r.get("appeal_type") not in (None, "inquiry")
        ]
        others = read_all(classifier, index, appeals)
    print("\n".join(report(readings, others, index)))
    took = asyncio.run(api_latency([r.text for r in readings]))
    print(
        f"  经 HTTP 的 GET /api/v1/knowledge（动作服务器的调用方式）：p50 {took['p50']:.1f} ms，"
        f"p95 {took['p95']:.1f} ms，最大 {took['max']:.1f} ms"
    )
    out.mkdir(parents=True, exist_ok=True)
    with (out / "knowledge_misses.jsonl").open("w", encoding="utf-8") as file:
        for row in misses(readings) + misses(others):
            file.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"  答错、漏答和误答的逐条记录：{out / 'knowledge_misses.jsonl'}")
    return 0
