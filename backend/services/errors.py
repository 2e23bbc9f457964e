"""Domain errors the services raise; the web turns them into typed 4xx answers, the bot into one sentence."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the service will not carry out; `field` names the input at fault, if one is."""

    status = 422

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Refused(ServiceError):
    """Valid in form, but not allowed now (a window in the past, a call-out already closed)."""


class NotFound(ServiceError):
    status = 404

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field)
