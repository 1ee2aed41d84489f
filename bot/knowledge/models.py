"""The knowledge base table. One row is one answer an operator can read out or the bot can send."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, String, Text

from bot.ticketing.models import Base, UTCDateTime


class KnowledgeArticle(Base):
    __tablename__ = "knowledge_articles"
    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False)  # guide 办事指南 | policy 政策咨询
    title = Column(String(200), nullable=False)
    keywords = Column(String(500), nullable=False, default="")
    category = Column(String(32))  # a taxonomy code, when the answer belongs to one matter
    answer = Column(Text, nullable=False)
    office = Column(String(300), nullable=False, default="", server_default="")  # 办理地点/咨询渠道
    active = Column(Boolean, nullable=False, default=True)
    updated_at = Column(UTCDateTime, nullable=False)
    updated_by = Column(String(64), nullable=False, default="system")
