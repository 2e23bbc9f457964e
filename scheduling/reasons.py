"""Why someone cannot go, why a day cannot be staffed, why input is refused: codes with parameters.

The core returns a code and its parameters and never words them for a reader: each code's
message id (English) is here, marked for pybabel, and the adapters look it up in the
gettext catalog of the reader's language, so that the pages and the roster proposal say
the same thing. Input the rules cannot work with (a naive time, a negative break, a date
no table covers) raises `Refusal`, which carries such a code too.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def N_(message: str) -> str:
    """Marks a message id for pybabel; the adapters translate it where it is shown."""
    return message


MESSAGES = {
    "overlap": N_("is already on a shift then (%(at)s)"),
    "shift_too_long": N_("a shift of %(hours)s hours, more than %(limit)s"),
    "week_too_long": N_("%(hours)s hours in the week of %(week)s, more than %(limit)s"),
    "rest_too_short": N_("%(hours)s hours of rest between shifts (%(at)s), less than %(limit)s"),
    "inactive": N_("is not active in the team"),
    "not_designated": N_("is not designated by this municipality on %(day)s"),
    "unavailable": N_("is unavailable (%(at)s)"),
    "too_few_eligible": N_("fewer than two inspectors can go (%(count)s)"),
    "no_trained_eligible": N_("no trained inspector can go"),
    # Input refused by the core (`Refusal`).
    "naive_time": N_("times must be timezone-aware"),
    "not_whole_minutes": N_("shift times are kept to the minute"),
    "ends_before_start": N_("a shift must end after it starts (%(start)s to %(end)s)"),
    "span_too_long": N_("%(hours)s hours in one span is longer than the %(limit)s hours an entry may last"),
    "break_negative": N_("a break cannot be negative (%(minutes)s min)"),
    "break_too_long": N_("the break (%(minutes)s min) is as long as the shift or longer (%(length)s min)"),
    "break_outside": N_("a break must lie inside the shift (%(start)s to %(end)s)"),
    "breaks_overlap": N_("breaks must not overlap (%(start)s to %(end)s twice)"),
    "salary_negative": N_("a monthly salary cannot be negative (%(amount)s cents)"),
    "no_ort_table": N_("no allowance (ORT) table covers %(day)s; configured: %(covered)s"),
    "no_budget_table": N_("no budget (rate table) covers %(day)s; configured: %(covered)s"),
    "tables_overlap": N_("tables overlap: %(first)s and %(second)s"),
    "table_range_empty": N_("table %(table)s ends before it starts"),
}
"""Each code's message id: the English text, `%(name)s` its parameters. The catalogs hold the
Dutch (domain `web`, backend/web/locale); the adapters look it up."""


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The message id to translate, with `params` for its placeholders."""
        return MESSAGES[self.code]

    def english(self) -> str:
        """The reason in English, the message id filled in: for logs, the API and the command line."""
        return self.message % self.params


class Refusal(ValueError):
    """Input the rules of time refuse, with a code and parameters worded like a `Reason`.

    A `ValueError`, because that is what it is; the services turn it into their
    own refusal, and the pages word its `reason` in the reader's language.
    """

    def __init__(self, code: str, *, field: str | None = None, **params: str) -> None:
        self.reason = Reason(code, params)
        self.field = field
        """The input at fault, when the caller passed it in by that name (`starts_at`, `break_minutes`)."""
        super().__init__(self.reason.english())

    @property
    def code(self) -> str:
        return self.reason.code


class TableMissing(Refusal):
    """No configured table (ORT bands, budget rates) is valid on the date asked for."""
