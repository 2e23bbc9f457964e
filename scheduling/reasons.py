"""Why someone cannot go, or why a day cannot be staffed: codes with texts a coordinator reads.

The core returns a code and its parameters; the text is looked up here, Dutch
first, so that the web, the bot and the roster proposal say the same thing.
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
}


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict[str, str] = field(default_factory=dict)

    def text(self, language: str = "nl") -> str:
        dutch, english = TEXTS[self.code]
        return (english if language == "en" else dutch).format(**self.params)
