"""Domain errors the services raise; the web turns them into typed 4xx answers, the bot into one sentence."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A request the service will not carry out; `field` names the input at fault, if one is."""

    status = 422
    code = "refused"
    """The API's `error`: what kind of refusal, for a client to act on."""

    def __init__(self, message: str, field: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}
        """Plain values a client (or a page, in its own language) needs to say what is in the way."""


class Refused(ServiceError):
    """Valid in form, but not allowed now (a window in the past, a call-out already closed)."""


class NotFound(ServiceError):
    status = 404

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field)
