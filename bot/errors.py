"""Domain errors. The web layer maps each to an HTTP status and a short Chinese message."""


class HotlineError(Exception):
    status = 400
    message = "请求有误"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class TicketNotFound(HotlineError):
    status = 404
    message = "未找到该工单"


class InvalidInput(HotlineError):
    status = 422
    message = "提交的内容不完整或格式不对"


class NotAllowed(HotlineError):
    status = 403
    message = "无权访问"


class Unauthorized(HotlineError):
    status = 401
    message = "请先登录或提供访问令牌"
