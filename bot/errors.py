"""Domain errors. The web layer maps each to an HTTP status and a short Chinese message."""


class HotlineError(Exception):
    status = 400
    message = "请求有误"
    message_en = "bad request"

    def __init__(self, message: str = "", error_en: str = "") -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.message_en = error_en or self.message_en


class TicketNotFound(HotlineError):
    status = 404
    message = "未找到该工单"
    message_en = "ticket not found"


class NotFound(HotlineError):
    status = 404
    message = "未找到"
    message_en = "not found"


class InvalidInput(HotlineError):
    status = 422
    message = "提交的内容不完整或格式不对"
    message_en = "invalid input"


class InvalidTransition(HotlineError):
    """The action is not possible from the ticket's current state."""

    status = 409
    message = "当前状态下不能执行该操作"
    message_en = "transition not allowed from the current state"


class Conflict(HotlineError):
    """Someone else changed the ticket between our read and our write (optimistic version)."""

    status = 409
    message = "工单刚刚已被他人处理，请刷新后再试"
    message_en = "the ticket was changed by someone else; reload and retry"


class NotAllowed(HotlineError):
    status = 403
    message = "无权访问"
    message_en = "forbidden"


class Unauthorized(HotlineError):
    status = 401
    message = "请先登录或提供访问令牌"
    message_en = "login or a bearer token is required"


class TooManyAttempts(HotlineError):
    """Too many failed logins for one username: refused without checking the password."""

    status = 429
    message = "登录失败次数过多，请稍后再试"
    message_en = "too many failed logins; try again later"

    def __init__(self, message: str = "", error_en: str = "", retry_after: int = 0) -> None:
        super().__init__(message, error_en)
        self.retry_after = retry_after  # seconds, for the Retry-After header
