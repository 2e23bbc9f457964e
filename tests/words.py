"""What a person reads, in Dutch: the core's reasons and the services' refusals through the `web`
catalog, as the pages word them (the core itself returns only codes and parameters)."""

from __future__ import annotations

from backend.i18n import translate
from backend.services.errors import ServiceError
from scheduling.reasons import Reason, Refusal


def dutch(said: Reason | Refusal | ServiceError) -> str:
    if isinstance(said, ServiceError):
        if said.reason is None:
            return translate("web", "nl", said.template, said.params)
        said = said.reason
    reason = said.reason if isinstance(said, Refusal) else said
    return translate("web", "nl", reason.message, reason.params)
