"""Why someone cannot go, why a day cannot be staffed, why input is refused: codes with texts.

The core returns a code and its parameters; the text is looked up here, Dutch
first, so that the web, the bot and the roster proposal say the same thing.
Input the rules cannot work with (a naive time, a negative break, a date no
table covers) raises `Refusal`, which carries such a code too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TEXTS = {
    "overlap": ("is op dat moment al ingedeeld ({at})", "is already on a shift then ({at})"),
    "shift_too_long": ("dienst van {hours} uur, meer dan {limit} uur",
                       "a shift of {hours} hours, more than {limit}"),
    "week_too_long": ("{hours} uur in de week van {week}, meer dan {limit}",
                      "{hours} hours in the week of {week}, more than {limit}"),
    "rest_too_short": ("{hours} uur rust tussen diensten ({at}), minder dan {limit}",
                       "{hours} hours of rest between shifts ({at}), less than {limit}"),
    "inactive": ("is niet (meer) actief in het team", "is not active in the team"),
    "not_designated": ("is niet aangewezen door deze gemeente op {day}",
                       "is not designated by this municipality on {day}"),
    "unavailable": ("is niet beschikbaar ({at})", "is unavailable ({at})"),
    "too_few_eligible": ("minder dan twee toezichthouders kunnen gaan ({count})",
                         "fewer than two inspectors can go ({count})"),
    "no_trained_eligible": ("geen opgeleide toezichthouder kan gaan",
                            "no trained inspector can go"),
    # Input refused by the core (`Refusal`).
    "naive_time": ("een tijd zonder tijdzone kan niet worden gerekend",
                   "times must be timezone-aware"),
    "not_whole_minutes": ("tijden gaan per hele minuut, zonder seconden",
                          "shift times are kept to the minute"),
    "ends_before_start": ("het einde ({end}) ligt niet na het begin ({start})",
                          "a shift must end after it starts ({start} to {end})"),
    "span_too_long": ("{hours} uur aaneen is langer dan de {limit} uur die een boeking mag duren",
                      "{hours} hours in one span is longer than the {limit} hours an entry may last"),
    "break_negative": ("een pauze kan niet negatief zijn ({minutes} min)",
                       "a break cannot be negative ({minutes} min)"),
    "break_too_long": ("de pauze ({minutes} min) is even lang als de dienst of langer ({length} min)",
                       "the break ({minutes} min) is as long as the shift or longer ({length} min)"),
    "break_outside": ("een pauze moet binnen de dienst vallen ({start} tot {end})",
                      "a break must lie inside the shift ({start} to {end})"),
    "breaks_overlap": ("pauzes mogen niet overlappen (van {start} tot {end} dubbel)",
                       "breaks must not overlap ({start} to {end} twice)"),
    "salary_negative": ("een maandsalaris kan niet negatief zijn ({amount} cent)",
                        "a monthly salary cannot be negative ({amount} cents)"),
    "no_ort_table": ("geen ORT-tabel geldt op {day}; ingesteld: {covered}",
                     "no allowance (ORT) table covers {day}; configured: {covered}"),
    "no_budget_table": ("geen begroting met tarieven geldt op {day}; ingesteld: {covered}",
                        "no budget (rate table) covers {day}; configured: {covered}"),
    "tables_overlap": ("tabellen overlappen: {first} en {second}",
                       "tables overlap: {first} and {second}"),
    "table_range_empty": ("tabel {table} eindigt voor hij begint", "table {table} ends before it starts"),
}


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict[str, str] = field(default_factory=dict)

    def text(self, language: str = "nl") -> str:
        dutch, english = TEXTS[self.code]
        return (english if language == "en" else dutch).format(**self.params)


class Refusal(ValueError):
    """Input the rules of time refuse, with a code and parameters worded like a `Reason`.

    A `ValueError`, because that is what it is; the services turn it into their
    own refusal, and the pages and the bot show `text(language)`.
    """

    def __init__(self, code: str, *, field: str | None = None, **params: str) -> None:
        self.reason = Reason(code, params)
        self.field = field
        """The input at fault, when the caller passed it in by that name (`starts_at`, `break_minutes`)."""
        super().__init__(self.reason.text("en"))

    @property
    def code(self) -> str:
        return self.reason.code

    def text(self, language: str = "nl") -> str:
        return self.reason.text(language)


class TableMissing(Refusal):
    """No configured table (ORT bands, budget rates) is valid on the date asked for."""
