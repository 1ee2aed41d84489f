"""Reading, editing and searching the knowledge base in the database."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence

import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import sessionmaker

from bot.clock import Clock, system_clock
from bot.errors import InvalidInput, NotFound
from bot.knowledge.models import KnowledgeArticle
from bot.knowledge.search import KIND_LABELS, Hit, Index, build, entry, search

MAX_ANSWER = 4000


@dataclass(frozen=True)
class ArticleInput:
    kind: str
    title: str
    keywords: str
    category: str | None
    answer: str
    office: str = ""

    def validate(self, categories: Sequence[str]) -> ArticleInput:
        if self.kind not in KIND_LABELS:
            raise InvalidInput("类型应为“办事指南”或“政策咨询”", error_en="kind must be guide or policy")
        if not self.title.strip() or len(self.title) > 200:
            raise InvalidInput("标题不能为空，且不超过200字", error_en="title required, at most 200 characters")
        if not self.answer.strip() or len(self.answer) > MAX_ANSWER:
            raise InvalidInput(f"答复内容不能为空，且不超过{MAX_ANSWER}字", error_en="answer required")
        if len(self.office) > 300:
            raise InvalidInput("办理地点不超过300字", error_en="office at most 300 characters")
        if len(self.keywords) > 500:
            raise InvalidInput("关键词不超过500字", error_en="keywords at most 500 characters")
        if self.category and self.category not in categories:
            raise InvalidInput(f"未知的事项类别：{self.category}", error_en="unknown category")
        return self


class KnowledgeBase:
    """The articles plus an in-memory search index, rebuilt whenever this process edits them."""

    def __init__(self, engine: AsyncEngine, clock: Clock = system_clock) -> None:
        self.sessions = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        self.clock = clock
        self._index = Index([])

    async def seed(self, path: Path) -> int:
        """Load the city pack's seed answers into an empty table; returns how many were added."""
        async with self.sessions.begin() as session:
            if (await session.execute(select(func.count()).select_from(KnowledgeArticle))).scalar_one():
                return 0
            if not path.exists():
                return 0
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            articles = data.get("articles") or []
            for item in articles:
                session.add(
                    KnowledgeArticle(
                        kind=item["kind"],
                        title=item["title"],
                        keywords=item.get("keywords", ""),
                        category=item.get("category"),
                        answer=item["answer"],
                        office=item.get("office", ""),
                        active=True,
                        updated_at=self.clock(),
                        updated_by="system",
                    )
                )
        return len(articles)

    async def reload(self) -> None:
        articles = await self.list(active_only=True)
        rows = [(a.id, a.kind, a.title, a.keywords, a.category, a.answer, a.office or "") for a in articles]
        # jieba is CPU work: index in a thread so the service keeps answering meanwhile.
        self._index = await asyncio.get_running_loop().run_in_executor(None, lambda: build(entry(*row) for row in rows))

    def search(self, query: str, limit: int = 3, category: str | None = None) -> List[Hit]:
        return search(self._index, query, limit, category)

    async def list(self, active_only: bool = False) -> List[KnowledgeArticle]:
        query = select(KnowledgeArticle).order_by(KnowledgeArticle.kind, KnowledgeArticle.id)
        if active_only:
            query = query.where(KnowledgeArticle.active.is_(True))
        async with self.sessions() as session:
            return list((await session.execute(query)).scalars())

    async def get(self, article_id: int) -> KnowledgeArticle:
        async with self.sessions() as session:
            article = await session.get(KnowledgeArticle, article_id)
        if article is None:
            raise NotFound("没有这条知识", error_en="no such article")
        return article

    async def save(self, data: ArticleInput, editor: str, article_id: int | None = None) -> KnowledgeArticle:
        async with self.sessions.begin() as session:
            if article_id is None:
                article = KnowledgeArticle(active=True)
                session.add(article)
            else:
                found = await session.get(KnowledgeArticle, article_id)
                if found is None:
                    raise NotFound("没有这条知识", error_en="no such article")
                article = found
            article.kind, article.title, article.keywords = data.kind, data.title.strip(), data.keywords.strip()
            article.category, article.answer = data.category or None, data.answer.strip()
            article.office = data.office.strip()
            article.updated_at, article.updated_by = self.clock(), editor[:64]
        await self.reload()
        return article

    async def set_active(self, article_id: int, active: bool, editor: str) -> None:
        async with self.sessions.begin() as session:
            article = await session.get(KnowledgeArticle, article_id)
            if article is None:
                raise NotFound("没有这条知识", error_en="no such article")
            article.active, article.updated_at, article.updated_by = active, self.clock(), editor[:64]
        await self.reload()
