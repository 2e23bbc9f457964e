"""The record of processing (for the DPIA), generated from the model so that it stays true.

Every sealed column of the model is personal or sensitive data. Each table that
holds one needs an entry below saying whose data it is, why piket keeps it, how
long and who can see it; `register()` refuses to write the record while a sealed
column has no entry, so a new field cannot slip in undescribed. The retention
figures come from the running configuration. The texts are message ids (English), worded in the
language asked for from the `web` catalog, like every other text a person reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.config import Settings
from backend.i18n import translate
from backend.models import Base
from backend.services.enrolment import CODE_LIFETIME
from backend.services.errors import N_
from secure_store.types import EncryptedText


@dataclass(frozen=True)
class Purpose:
    subjects: str
    why: str
    retention: str
    """`%(days)s` and `%(reason_days)s` are the configured retention periods."""
    seen_by: str


PURPOSES: dict[str, Purpose] = {
    "inspectors": Purpose(
        N_("the team's inspectors (employees of the participating municipalities)"),
        N_(
            "planning and call-outs (who may act where, who is trained), reaching them on the burner phone, "
            "recording hours and allowances"
        ),
        N_("while they are in the team; then inactive, their hours stay for the settlement"),
        N_(
            "coordinator (first names), admin (everything); finance sees hours per inspector; a pair sees "
            "each other's first name"
        ),
    ),
    "callouts": Purpose(
        N_("no persons: the address of premises and operational notes about them"),
        N_("sending the pair to the right place"),
        N_(
            "%(days)s days after the report is reviewed, or after the shift when there is none; at most 180 "
            "days after the shift; then erased (counts and hours stay)"
        ),
        N_(
            "coordinator; the confirmed pair (protected message, deleted after the shift); never finance or "
            "the auditor"
        ),
    ),
    "outbox_messages": Purpose(
        N_("inspectors (their chat) and the content of messages to them"),
        N_("delivering messages reliably within Telegram's limits"),
        N_("location messages are erased with the call-out; other messages stay as proof of delivery"),
        N_("nobody through the pages; only the sender"),
    ),
    "unavailabilities": Purpose(
        N_("inspectors: days they are not available, with a reason if they give one"),
        N_("not rostering or calling them out on days they are away"),
        N_("%(days)s days after the last day; then erased"),
        N_("the inspector (in the bot) and the coordinator; the reason nobody else"),
    ),
    "shift_changes": Purpose(
        N_("no persons: why a control day was moved or cancelled, or a call-out cancelled"),
        N_("accounting for the planning's history (for example: postponed for a police investigation)"),
        N_("the reason erased %(days)s days after the shift; the change itself (dates, who, when) stays"),
        N_("coordinator"),
    ),
    "controlled_addresses": Purpose(
        N_(
            "no persons: a controlled address, only as a keyed hash (HMAC with a key of its own) of its "
            "normalised spelling; the address itself is not kept"
        ),
        N_(
            "warning the coordinator of a second control of the same address soon after the first (avoiding "
            "double and excessive controls)"
        ),
        N_(
            "the team's setting repeat_warning_months in its profile (6 months by default) after the "
            "control; then erased"
        ),
        N_("nobody reads it: piket shows the coordinator only the day and number of the earlier control"),
    ),
    "web_users": Purpose(
        N_("staff with a web account (coordinator, finance, admin, auditor)"),
        N_("logging in with two factors"),
        N_("while the account exists"),
        N_("the user; the admin sees only the username and role"),
    ),
    "disclosures": Purpose(
        N_("receivers of data from piket (organisations or functions) and who handed it out"),
        N_(
            "accounting for what was shared with whom and why (the guideline's sharing rule): every export, "
            "statement, backup, report hand-over and access request"
        ),
        N_("while piket runs, like the audit log; the selection holds only ids and dates, no names"),
        N_("admin and auditor (page and CSV)"),
    ),
    "designations": Purpose(
        N_("the team's inspectors (their designation decisions)"),
        N_(
            "only who is designated gets call-outs for a municipality; the decision's reference is free text "
            "and may carry a name or a case number"
        ),
        N_("while the inspector is in the team (an ended decision stays as the basis of hours worked)"),
        N_("coordinator and admin"),
    ),
    "hour_entries": Purpose(
        N_("inspectors (their hours) and whoever a correction's reason names"),
        N_("settling hours and allowances; the reason explains a correction to finance and the auditor"),
        N_(
            "hours stay for the settlement; a correction's reason is erased %(reason_days)s days after it "
            "was entered"
        ),
        N_("coordinator, finance and the auditor; the reason is not in the exports"),
    ),
    "risk_notes": Purpose(
        N_("no persons: the police's risk analysis of premises (a level and a short text)"),
        N_("the pair's safety: they read the estimate silently and protected in the bot"),
        N_(
            "the text goes with the call-out's details (%(days)s days after the report's review, at "
            "most 180 days after the shift; a control day %(days)s days after the shift); the bot's "
            "message is deleted after the shift"
        ),
        N_("coordinator and the pair"),
    ),
    "safety_watches": Purpose(
        N_('inspectors: when the bot asked them to check out and when they tapped "Veilig klaar"'),
        N_(
            "noticing that a pair did not check out safely. Taps and times only: piket never stores a "
            "position and follows no phone"
        ),
        N_("erased %(days)s days after the shift"),
        N_("coordinator (with an alert)"),
    ),
    "safety_check_ins": Purpose(
        N_('inspectors: when one of the pair tapped "We gaan naar binnen"'),
        N_("knowing since when a pair is inside if something goes wrong; no address, no position"),
        N_("erased %(days)s days after the shift"),
        N_("coordinator"),
    ),
    "safety_alerts": Purpose(
        N_("inspectors: a missed check-out, an alarm or a check-out with the code word"),
        N_(
            "getting help (the coordinator, then the back-up, then everyone); the count per "
            "municipality for the evaluation, without names"
        ),
        N_("while piket runs, like the audit log"),
        N_("coordinators and admins with a burner phone; never the colleague of who raised the alarm"),
    ),
    "duress_words": Purpose(
        N_(
            "inspectors: a private code word, only as a keyed hash (HMAC); the word itself is kept "
            "nowhere, not in the chat either"
        ),
        N_(
            "recognising a check-out under duress: a normal check-out on the phone, an alarm for the "
            "coordinator"
        ),
        N_("until the inspector removes it (/codewoord wis)"),
        N_("nobody: it can only be compared"),
    ),
    "api_tokens": Purpose(
        N_("no persons intended; a token's name is free text and may name one all the same"),
        N_("showing what a token was made for"),
        N_("while the token exists"),
        N_("admin"),
    ),
}

NOTE = N_(
    "No personal data of sex workers is recorded. Names, phone numbers, Telegram ids, addresses, "
    "notes, correction reasons, decision references, token names and second-factor secrets are sealed "
    "in the database (AES-256-GCM per value, keys outside the database). Enrolment codes are valid "
    "%(hours)s hours and kept only as hashes. Logs hold no names, ids, places, codes or tokens. "
    'The pair\'s safety (checking in, "Veilig klaar", the alarm) works with taps and times: piket '
    "stores no position and follows no phone."
)
"""What the record says first, above the tables."""


HEADINGS = (
    N_("Record of processing: piket"),
    N_("Table"),
    N_("Whose"),
    N_("Why"),
    N_("Retention"),
    N_("Who can see it"),
    N_("Sealed fields"),
    N_("Other fields"),
)


class Undescribed(Exception):
    """A sealed column whose table has no entry in PURPOSES."""


def sealed_columns() -> dict[str, list[tuple[str, str]]]:
    """Table to (column, description) for every sealed column of the model."""
    found: dict[str, list[tuple[str, str]]] = {}
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                found.setdefault(table.name, []).append((column.name, column.doc or ""))
    return found


def _described_tables(sealed: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
    """The tables with sealed columns, and those without any that still hold something derived from
    personal or sensitive data (a keyed hash), in the model's order."""
    return {
        t.name: sealed.get(t.name, [])
        for t in Base.metadata.sorted_tables
        if t.name in sealed or t.name in PURPOSES
    }


def _plain_columns(table: str) -> list[str]:
    sealed = {name for name, _ in sealed_columns().get(table, [])}
    return [c.name for c in Base.metadata.tables[table].columns if c.name not in sealed and c.name != "id"]


def _described(name: str, doc: str) -> str:
    return f"`{name}` ({doc})" if doc else f"`{name}`"


def register(settings: Settings, language: str = "nl") -> str:
    """The record of processing as Markdown, in Dutch or English."""
    columns = sealed_columns()
    missing = sorted(set(columns) - set(PURPOSES))
    if missing:
        where = "backend/services/privacy.py"
        raise Undescribed(f"sealed data without a purpose in {where}: " + ", ".join(missing))

    def _(message: str, **params: int) -> str:
        return translate("web", language, message, params)

    heads = [_(heading) for heading in HEADINGS]
    hours = int(CODE_LIFETIME.total_seconds() // 3600)
    lines = [f"# {heads[0]}", "", _(NOTE, hours=hours), ""]
    for table, sealed in _described_tables(columns).items():
        purpose = PURPOSES[table]
        lines += [
            f"## {heads[1]} `{table}`",
            "",
            f"- **{heads[2]}:** {_(purpose.subjects)}",
            f"- **{heads[3]}:** {_(purpose.why)}",
            f"- **{heads[4]}:** "
            + _(purpose.retention, days=settings.retention_days, reason_days=settings.reason_retention_days),
            f"- **{heads[5]}:** {_(purpose.seen_by)}",
            f"- **{heads[6]}:** " + ("; ".join(_described(name, doc) for name, doc in sealed) or "-"),
            f"- **{heads[7]}:** " + ", ".join(f"`{name}`" for name in _plain_columns(table)),
            "",
        ]
    return "\n".join(lines)
