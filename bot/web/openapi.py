"""The OpenAPI 3 description of the workflow API (`/api/v1/openapi.json`), kept beside the handlers."""

from __future__ import annotations

from typing import Any, Dict

from bot.ticketing.lifecycle import Action
from bot.ticketing.states import Status

_ERROR = {"$ref": "#/components/schemas/Error"}
_TICKET = {"$ref": "#/components/schemas/Ticket"}


def _responses(ok: Any, *codes: int) -> Dict[str, Any]:
    described = {
        401: "缺少或错误的访问令牌",
        403: "无权执行",
        404: "未找到（或不属于本单位）",
        409: "当前状态不允许，或已被他人处理",
        413: "照片超过 5 MB",
        415: "只接收 JPEG、PNG、WebP 照片",
        422: "输入有误",
        429: "发送过于频繁",
        503: "智能建议未启用（服务未加载语言模型）",
    }
    result: Dict[str, Any] = {"200": {"description": "OK", "content": {"application/json": {"schema": ok}}}}
    for code in codes:
        result[str(code)] = {"description": described[code], "content": {"application/json": {"schema": _ERROR}}}
    return result


_HANDOFF = {"type": "object", "description": "人工会话：id、sender_id、渠道、原因、状态、话务员、等待秒数"}
_HANDOFF_ID = {"name": "handoff_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_TEXT_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"type": "object", "properties": {"text": {"type": "string"}}}}},
}
_HANDOFF_PATHS: Dict[str, Any] = {
    "/handoffs": {
        "get": {"summary": "人工会话队列（等待接入的在前；热线中心）", "responses": _responses(_HANDOFF, 401, 403)},
        "post": {
            "summary": "转人工：带对话记录建立人工会话（系统服务；同一居民只有一个进行中的会话）",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["sender_id"],
                            "properties": {
                                "sender_id": {"type": "string", "example": "tg:123456"},
                                "reason": {"type": "string", "enum": ["asked", "bot_failed"]},
                                "transcript": {"type": "array", "items": {"type": "object"}},
                            },
                        }
                    }
                },
            },
            "responses": _responses(_HANDOFF, 401, 403, 422),
        },
    },
    "/handoffs/messages": {
        "post": {
            "summary": "人工会话期间居民的留言（系统服务；没有进行中的会话时 404）",
            "requestBody": _TEXT_BODY,
            "responses": _responses(_HANDOFF, 401, 403, 404, 422, 429),
        }
    },
    "/handoffs/{handoff_id}": {
        "get": {
            "summary": "一个人工会话及全部对话记录、每条回复的送达情况",
            "parameters": [_HANDOFF_ID],
            "responses": _responses(_HANDOFF, 401, 403, 404),
        }
    },
    "/handoffs/{handoff_id}/take": {
        "post": {
            "summary": "接入（两人同时接入只有一人成功）",
            "parameters": [_HANDOFF_ID],
            "responses": _responses(_HANDOFF, 403, 404, 409),
        }
    },
    "/handoffs/{handoff_id}/replies": {
        "post": {
            "summary": "回复居民（1–2000 字，按顺序送达居民所用渠道）",
            "parameters": [_HANDOFF_ID],
            "requestBody": _TEXT_BODY,
            "responses": _responses(_HANDOFF, 403, 404, 409, 422),
        }
    },
    "/handoffs/{handoff_id}/handback": {
        "post": {"summary": "交还机器人", "parameters": [_HANDOFF_ID], "responses": _responses(_HANDOFF, 403, 404, 409)}
    },
}


def _query(name: str, description: str, schema: Dict[str, Any] | None = None) -> Dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def document() -> Dict[str, Any]:
    report_filters = [
        _query("department", "承办单位代码，可重复或逗号分隔"),
        _query("community", "社区代码，可多个"),
        _query("category", "事项类别代码，可多个"),
        _query("status", "状态，可多个；all 为全部；默认全部未办结"),
        _query("overdue", "true / false"),
        _query("from", "受理日期起（YYYY-MM-DD）", {"type": "string", "format": "date"}),
        _query("to", "受理日期止（YYYY-MM-DD）", {"type": "string", "format": "date"}),
    ]
    number = {
        "name": "number",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "example": "20261122-000123"},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "民有所呼·我有所应 联动系统 Workflow API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/tickets": {
                "get": {
                    "summary": "工单列表（按办理时限排序）",
                    "parameters": [
                        _query(
                            "status", "状态，可用逗号分隔多个", {"type": "string", "enum": [s.value for s in Status]}
                        ),
                        _query("department", "承办单位代码"),
                        _query("community", "社区代码"),
                        _query("category", "事项类别代码"),
                        _query("overdue", "只看超期（true）或未超期（false）", {"type": "boolean"}),
                        _query("sender_id", "某位市民的工单（系统服务）"),
                        _query("limit", "每页条数 1–200", {"type": "integer", "default": 50}),
                        _query("offset", "跳过条数", {"type": "integer", "default": 0}),
                    ],
                    "responses": _responses({"type": "object"}, 401, 422),
                },
                "post": {
                    "summary": "新建工单（幂等：同一 idempotency_key 返回第一次的工单）",
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewTicket"}}}
                    },
                    "responses": {**_responses(_TICKET, 401, 403, 422), "201": {"description": "已新建"}},
                },
            },
            "/tickets/{number}": {
                "get": {
                    "summary": "工单详情（含时间线）",
                    "parameters": [number],
                    "responses": _responses(_TICKET, 401, 404),
                }
            },
            "/tickets/{number}/transitions": {
                "post": {
                    "summary": "办理一步：签收、办结、退单、派单、督办、并案、撤单、重办、评价……",
                    "parameters": [number],
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Transition"}}}
                    },
                    "responses": _responses(_TICKET, 401, 403, 404, 409, 422),
                }
            },
            "/tickets/{number}/attachments/{attachment_id}": {
                "get": {
                    "summary": "居民照片原件（能看到该工单的工作人员）",
                    "parameters": [
                        number,
                        {"name": "attachment_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    ],
                    "responses": {
                        "200": {"description": "照片", "content": {"image/*": {}}},
                        **{k: v for k, v in _responses({}, 401, 403, 404).items() if k != "200"},
                    },
                }
            },
            "/evidence": {
                "post": {
                    "summary": "居民照片（系统服务令牌）：补充到其 24 小时内有更新的在办工单，否则待其下一张工单",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["sender_id", "data"],
                                    "properties": {
                                        "sender_id": {"type": "string"},
                                        "media_type": {"type": "string"},
                                        "data": {"type": "string", "description": "base64，最大 5 MB"},
                                        "caption": {"type": "string"},
                                        "complaint_in_progress": {"type": "boolean"},
                                    },
                                }
                            }
                        }
                    },
                    "responses": {
                        **_responses({"type": "object"}, 401, 403, 413, 415, 422),
                        "201": {"description": "{attached_to: 工单编号} 或 {pending: true}"},
                    },
                }
            },
            "/departments": {"get": {"summary": "承办单位", "responses": _responses({"type": "object"}, 401)}},
            **_HANDOFF_PATHS,
            "/suggest": {
                "post": {
                    "summary": "来电辅助建议（热线中心）：诉求类型、类别、实体、地址、承办单位、重复件、知识库、话术",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["text"],
                                    "properties": {"text": {"type": "string", "maxLength": 20000}},
                                }
                            }
                        }
                    },
                    "responses": _responses({"type": "object"}, 401, 403, 422, 503),
                }
            },
            "/knowledge": {
                "get": {
                    "summary": "知识库检索（办事指南、政策咨询）；每条带匹配度 confidence（0–1）和办理地点 office",
                    "parameters": [_query("q", "来电或留言原文"), _query("category", "事项类别代码（加权）")],
                    "responses": _responses({"type": "object"}, 401),
                }
            },
            **{
                f"/reports/{name}": {
                    "get": {
                        "summary": summary,
                        "parameters": report_filters,
                        "responses": _responses({"type": "object"}, 401, 403, 422),
                    }
                }
                for name, summary in (
                    ("summary", "统计（领导）：各状态数量、超期、各单位按期办结率、签收/办结用时、满意度"),
                    ("overdue", "超期工单（领导），可按筛选条件"),
                    ("hotspots", "热点（领导）：7 天内同一社区同类诉求 ≥ 5 件"),
                )
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}, "error_en": {"type": "string"}},
                    "required": ["error", "error_en"],
                },
                "NewTicket": {
                    "type": "object",
                    "required": ["sender_id", "description", "address"],
                    "properties": {
                        key: {"type": "string"}
                        for key in (
                            "sender_id",
                            "description",
                            "address",
                            "category",
                            "appeal_type",
                            "occurred_at",
                            "contact_phone",
                            "idempotency_key",
                        )
                    }
                    | {
                        "category_confidence": {"type": "number"},
                        "note": {"type": "string", "maxLength": 2000, "description": "内部说明（只给工作人员看）"},
                    },
                },
                "Transition": {
                    "type": "object",
                    "required": ["action"],
                    "properties": {
                        "action": {"type": "string", "enum": [a.value for a in Action]},
                        "note": {"type": "string", "maxLength": 2000},
                        "public": {"type": "boolean", "default": False},
                        "department": {"type": "string", "description": "dispatch: 承办单位代码"},
                        "reason": {"type": "string", "description": "reject: 退单理由（必填）"},
                        "into": {"type": "string", "description": "merge: 并入的工单编号"},
                        "rating": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 5,
                            "description": "rate: 1–2 重办，3–5 归档",
                        },
                        "sender_id": {"type": "string", "description": "cancel/rate：代市民操作时的会话标识"},
                    },
                },
                "Ticket": {
                    "type": "object",
                    "properties": {
                        "number": {"type": "string"},
                        "status": {"type": "string", "enum": [s.value for s in Status]},
                        "status_name": {"type": "string"},
                        "department": {"type": "object"},
                        "due_at": {"type": "string", "format": "date-time"},
                        "overdue": {"type": "boolean"},
                        "version": {"type": "integer"},
                        "allowed_actions": {"type": "array", "items": {"type": "string"}},
                        "timeline": {"type": "array", "items": {"type": "object"}},
                    },
                },
            },
        },
    }
