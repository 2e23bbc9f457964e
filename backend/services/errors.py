"""Domain errors the services raise; the web turns them into typed 4xx answers, the bot into one sentence."""

from __future__ import annotations

from typing import Any

from scheduling.reasons import N_ as N_
from scheduling.reasons import Reason, Refusal


class ServiceError(Exception):
    """A request the service will not carry out; `field` names the input at fault, if one is.

    `message` is a message id (English, marked for pybabel: babel.cfg's keywords name `Refused`,
    `ServiceError` and `NotFound`), `params` fill its `%(name)s` placeholders; `str(error)` and
    the API read it in English, the pages look it up in the reader's language. A refusal of the
    scheduling core keeps its `reason` (a code with parameters) instead, and the API names its `code`.
    """

    status = 422
    kind = "refused"
    """The API's `error`: what kind of refusal, for a client to act on."""

    def __init__(
        self,
        message: str,
        field: str | None = None,
        reason: Reason | None = None,
        details: dict[str, Any] | None = None,
        code: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.template = message
        """The message id, to translate."""
        self.params = params or {}
        """The message's parameters (for the reader, not the API: `details` are for clients)."""
        self.message = message % self.params if self.params else message
        """In English, filled in: for the API, logs and the command line."""
        super().__init__(self.message)
        self.field = field
        self.reason = reason
        self.details = details or {}
        """Plain values a client (or a page, in its own language) needs to say what is in the way."""
        self._code = code
        """The refusal's stable name where the core gave none: the pages word it from their catalog
        (with `details` as its parameters), the API passes it on."""

    @property
    def code(self) -> str | None:
        return self.reason.code if self.reason is not None else self._code

    @property
    def own_code(self) -> str | None:
        """The service's name for the refusal (a core `reason` it wraps is then a parameter)."""
        return self._code


class Refused(ServiceError):
    """Valid in form, but not allowed now (a window in the past, a call-out already closed)."""

    @classmethod
    def because(cls, refusal: Refusal, field: str | None = None) -> Refused:
        """The core's refusal as the service's, its `field` the caller's name for the input at fault."""
        return cls(
            refusal.reason.message,
            field=field or refusal.field,
            reason=refusal.reason,
            params=refusal.reason.params,
        )


class NotFound(ServiceError):
    status = 404

    def __init__(
        self, field: str, message: str, code: str | None = None, params: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, field, code=code, params=params)
