"""Control days, one feature with its verbs, whoever calls them (the web, the API, the bot, a job).

- `plan`: a day is planned, the scheduling core proposes pairs, the coordinator accepts them and
  edits who is on a day (`plan_control`, `propose`, `accept`, `add_person`, `remove_person`).
- `attendance`: the people on a day are asked to confirm it, reminded the day before and on the
  morning, and covered when one cannot make it (`ask_and_remind`, `confirm_day`, `request_cover`,
  `complete_cover`).
"""

from backend.services.controls.attendance import (
    CONFIRM_AHEAD,
    DAY_BEFORE,
    MORNING,
    answer,
    ask_and_remind,
    complete_cover,
    confirm_day,
    request_cover,
)
from backend.services.controls.plan import (
    MAX_CONTROL,
    Plan,
    accept,
    add_person,
    check_window,
    plan_control,
    propose,
    remove_person,
    without_people,
)

__all__ = [
    "CONFIRM_AHEAD",
    "DAY_BEFORE",
    "MAX_CONTROL",
    "MORNING",
    "Plan",
    "accept",
    "add_person",
    "answer",
    "ask_and_remind",
    "check_window",
    "complete_cover",
    "confirm_day",
    "plan_control",
    "propose",
    "remove_person",
    "request_cover",
    "without_people",
]
