"""Every text the bot sends, by template key, in English (the gettext msgid).

The Dutch translations live in `bot/locale/nl/LC_MESSAGES/piket.po`; Dutch is
the default language. Services name a template key and its parameters; the
sender renders them here, so wording never lives in the services.
What rings shows at most the day and the time (the lock-screen rule, written down in
`backend/services/outbox.py` and enforced there): a text that names a municipality, a place
or a person is sent silently, and where it must still be noticed its ringing heads-up is the
key with `_alert` (`pair.confirmed_alert` before `pair.confirmed`; `offer.alert` before
`offer.details`). `tests/bot/test_lock_screen.py` sends every kind and checks it.
"""

TEXTS = {
    "start.welcome": "Hello {first_name}. This phone is now linked to piket.\n\n"
    "Call-outs and shift reminders will arrive here.\n"
    "/rooster: my next shifts\n/uren: my hours this month\n/taal: Nederlands or English",
    "start.linked": "This phone is linked. /rooster, /uren, /taal.",
    "neutral": "This link cannot be used.",
    "offer.alert": "Call-out {date}, {start}-{end}.",
    "offer.details": "Call-out in {municipality} ({source}), {date} {start}-{end}. Can you go?",
    "offer.declined": "You declined the call-out of {date}.",
    "offer.wait_for_colleague": "Thank you. We are waiting for a colleague for {date}.",
    "offer.wait_for_trained": "Thank you. We are waiting for a trained colleague for {date}.",
    "offer.wait_for_mixed": "Thank you. We are waiting for a colleague for {date}.",
    "offer.standby": "The call-out of {date} is staffed. You are on standby.",
    "offer.filled": "The call-out of {date} is staffed. Thank you.",
    "offer.cancelled": "The call-out of {date} is cancelled.",
    "offer.confirmed": "Good, you are on it: {date} {start}-{end}.",
    "offer.reminder": "Reminder: the call-out of {date} {start}-{end} is still open. Can you go?",
    "pair.confirmed": "Call-out {date} {start}-{end} in {municipality}, with {colleague}. The "
    "location follows in a separate message.",
    "pair.location": "Location: {location}\n"
    "\n"
    "This message is deleted after the shift.",
    "pair.cancelled": "The call-out of {date} is cancelled. You no longer need to go.",
    "coordinator.callout_created": "Call-out {date} {start}-{end} in {municipality}: offered to {offered}.",
    "coordinator.callout_filled": "Call-out {date} in {municipality} is staffed: {first} and "
    "{second} go.",
    "coordinator.no_trained_left": "Call-out {date} in {municipality}: "
    "no trained inspector can still accept.",
    "coordinator.escalation": "Call-out {date} {start}-{end} in {municipality} is still open after {minutes} "
    "min: {accepted} accepted, {declined} declined, {pending} without an answer.",
    "coordinator.blocked": "A phone has blocked the bot (inspector {inspector_id}). Messages to it fail.",
    "source.mma": "anonymous tip",
    "source.nuisance": "nuisance report",
    "source.police": "police request",
    "button.accept": "Accept",
    "button.decline": "Decline",
    "button.widen": "Offer to everyone",
    "button.cancel": "Cancel call-out",
    "callback.stale": "This button is no longer valid.",
    "callback.filled": "Already staffed, thank you.",
    "callback.cancelled": "This call-out was cancelled.",
    "callback.confirmed": "Confirmed.",
    "callback.waiting": "Thank you, noted.",
    "callback.declined": "Noted.",
    "callback.standby": "You are on standby.",
    "callback.done": "Done.",
    "unknown.text": "I only understand the buttons and /rooster, /uren and /taal.",
    "error.try_again": "That did not work just now. Please try again in a minute.",
    "language.set": "Language: English.",
    "roster.none": "No shifts planned.",
    "roster.item": "{date} {start}-{end}, {kind} in {municipality}",
    "hours.summary": "{month}: {worked} hours worked, {waiting} of them still waiting for approval.",
    "hours.ask": "The shift of {date} in {municipality} has ended. Are these your hours?",
    "hours.pick_start": "{date}: when did you start?",
    "hours.pick_end": "{date}: started {start}. When did you finish?",
    "hours.pick_break": "{date}: {start}-{end}. When was your break?",
    "hours.pick_break_start": "{date}: {start}-{end}. When did your break start?",
    "hours.pick_break_length": "{date}: break from {break_start}. How long was it?",
    "hours.check": "{date}: {start}-{end}, {break}, {worked} hours worked. Correct?",
    "hours.recorded": "Recorded for {date}: {start}-{end}, {break}, {worked} hours. "
    "You can correct this until the coordinator approves it.",
    "report.ask": "You write the report of {date} in {municipality}. When it is done: how long did it take?",
    "report.when": "Report of {date}, {duration}: when did you write it?",
    "report.pick_day": "Report of {date}: on which day did you write it?",
    "report.pick_start": "Report of {date}, written {written_date}: from what time?",
    "report.recorded": "Report of {date}: {worked} hours recorded, written {written_date} {start}-{end}. "
    "Thank you.",
    "button.written_at": "{written_date} {start}-{end} ✓",
    "button.date": "{written_date}",
    "callback.report_too_early": "That is longer than the time since the control ended. "
    "Tap how long it took once the report is done.",
    "button.hours_ok": "{start}-{end}, {break}: correct",
    "button.planned_break": "Break {span} ✓",
    "button.no_break": "No break",
    "button.other": "Another time",
    "break.at": "break {span}",
    "break.none": "no break",
    "button.correct": "Correct them",
    "button.confirm": "Correct",
    "button.again": "Start again",
    "button.time": "{time}",
    "button.minutes": "{minutes} min",
    "button.duration": "{duration}",
    "callback.noted": "OK.",
    "callback.recorded": "Recorded.",
    "callback.approved": "These hours are approved already; ask the coordinator to correct them.",
    "callback.no_table": "These hours cannot be booked yet: no allowance (ORT) table covers that day. "
    "Tell the coordinator; these buttons keep working.",
    "callback.not_counted": "These hours cannot be booked like this; ask the coordinator.",
    "offer.cover_alert": "Cover needed {date}, {start}-{end}.",
    "offer.cover_details": "A colleague dropped out of {date} {start}-{end} in {municipality}. Can "
    "you take over?",
    "control.ask": "Control {date} {start}-{end} in {municipality}. Can you make it?",
    "control.unconfirmed": "You have not yet confirmed the control of {date} {start}-{end} in "
    "{municipality}. Can you make it?",
    "control.confirmed": "Confirmed: control {date} {start}-{end} in {municipality}.",
    "control.joining": "Also at the control of {date}: {organisations}.",
    "control.removed": "The coordinator took you off the control of {date} {start}-{end}.",
    "control.cover_asked": "You asked for cover for {date}. Until a colleague takes over, you are still "
    "on the roster.",
    "control.covered": "{colleague} takes over your shift of {date}. You are free.",
    "cover.confirmed": "You take over {date} {start}-{end} in {municipality}, with {colleague}.",
    "cover.new_colleague": "Your colleague for {date} {start}-{end} in {municipality} is now {colleague}.",
    "shift.tomorrow": "Tomorrow: {date} {start}-{end} in {municipality}.",
    "shift.today": "Today: {start}-{end} in {municipality}.",
    "coordinator.cover_requested": "{name} asks for cover for {date} {start}-{end} in {municipality}: "
    "offered to {offered}.",
    "coordinator.swap": "Cover {date} in {municipality}: {in} takes over from {out}.",
    "coordinator.unconfirmed": "{name} has not confirmed {date} {start}-{end} in {municipality}.",
    "button.can_go": "I can go",
    "button.cannot": "I cannot make it",
    "callback.cover": "Noted. We are looking for a colleague.",
    "draft.source": "New call-out. What is the source?",
    "draft.municipality": "Which municipality?",
    "draft.day": "Which day?",
    "draft.window": "Which window?",
    "draft.location": "Send the address of the premises as a message. Only the address and what the pair "
    "needs to find it: no personal data of sex workers. Your message is deleted from this chat.",
    "draft.location_unusable": "That address is empty or longer than 300 characters. Send it again.",
    "draft.notes": "Notes for the pair? Send them as a message (about the premises, never about people), "
    "or tap No notes.",
    "draft.notes_unusable": "Notes are at most 2000 characters. Send them again.",
    "draft.summary": "Call-out {date} {start}-{end} in {municipality} ({source}), address received. Send "
    "it to the inspectors?",
    "draft.sent": "Sent. You will hear who goes.",
    "draft.cancelled": "Call-out not made.",
    "draft.refused": "The call-out could not be made ({field}). Start again with /oproep.",
    "draft.coordinators_only": "Only the coordinator can make a call-out.",
    "button.label": "{label}",
    "button.person_trained": "{label} (trained)",
    "button.day": "{date}",
    "button.window": "{start}-{end}",
    "button.no_notes": "No notes",
    "button.send": "Send",
    "button.stop": "Stop",
    "button.assign": "Assign someone",
    "coordinator.assign_whom": "Whom do you put on the call-out of {date} {start}-{end}?",
    "coordinator.assign_nobody": "Nobody else may go on {date} {start}-{end} (designation or working-time "
    "rules).",
    "pair.assigned": "The coordinator has put you on the call-out of {date} {start}-{end} in {municipality}.",
    "offer.cover_standby": "Cover for {date} is arranged. You are on standby.",
    "offer.cover_filled": "Cover for {date} is arranged. Thank you.",
    "start.coordinator": "As coordinator: /oproep makes a call-out; alerts about open call-outs come here.",
    "pair.confirmed_alert": "Confirmed: call-out {date} {start}-{end}. You are on it.",
    "pair.confirmed_later": "Call-out {date} {start}-{end} in {municipality}, with {colleague}. The "
    "location follows on {location_date} at {location_time}, close enough to the shift to be deleted "
    "from this chat afterwards.",
    "pair.location_notes": "Location: {location}\n"
    "{notes}\n"
    "\n"
    "This message is deleted after the shift.",
    "pair.assigned_alert": "The coordinator has put you on a call-out: {date} {start}-{end}.",
    "coordinator.callout_filled_alert": "Call-out {date} {start}-{end} is staffed.",
    "coordinator.attention": "Call-out {date} {start}-{end} needs your attention.",
    "coordinator.escalation_alert": "Call-out {date} {start}-{end} is still open after {minutes} min.",
    "coordinator.widened": "Call-out {date} {start}-{end} in {municipality}, offered to everyone: "
    "{more} also asked. Now {accepted} accepted, {declined} declined, {pending} without an answer.",
    "callback.widened": "Also offered to {more}.",
    "coordinator.blocked_alert": "A phone has blocked the bot.",
    "coordinator.cover_requested_alert": "Cover sought for {date} {start}-{end}.",
    "coordinator.swap_alert": "Cover arranged for {date} {start}-{end}.",
    "coordinator.unconfirmed_alert": "Not yet confirmed: control {date} {start}-{end}.",
    "coordinator.revoked_alert": "Shift {date} {start}-{end} loses someone: a phone was cut off.",
    "coordinator.revoked": "The phone of {name} was cut off, so {name} is off {date} {start}-{end} "
    "in {municipality}; {colleague} stays. Cover offered to {offered}.",
    "coordinator.revoked_alone": "The phone of {name} was cut off, so {name} is off {date} "
    "{start}-{end} in {municipality}. Cover offered to {offered}.",
    "coordinator.revoked_started": "The phone of {name} was cut off during {date} {start}-{end} in "
    "{municipality}, which has begun: no cover was offered.",
    "cover.colleague_lost_alert": "Change to your shift of {date} {start}-{end}.",
    "cover.colleague_lost": "{name} can no longer be reached and is off {date} {start}-{end} in "
    "{municipality}. We are looking for a colleague to take over; you will hear who.",
    "control.ask_alert": "Control {date} {start}-{end}: can you make it?",
    "control.unconfirmed_alert": "Not yet confirmed: control {date} {start}-{end}.",
    "cover.confirmed_alert": "Confirmed: you take over {date} {start}-{end}.",
    "cover.new_colleague_alert": "Your colleague for {date} {start}-{end} has changed.",
    "shift.tomorrow_alert": "Reminder: shift {date} {start}-{end}.",
    "shift.today_alert": "Today: shift {start}-{end}.",
    "hours.ask_alert": "The shift of {date} has ended. Your hours, please.",
    "report.ask_alert": "You write the report of {date}.",
    "roster.list": "Your next shifts:\n"
    "{items}",
    "kind.control": "control",
    "kind.callout": "call-out",
    "kind.coordination": "coordination",
    "count.inspector": "{n} inspector",
    "count.inspectors": "{n} inspectors",
    "language.unknown": "I know nl (Nederlands) and en (English): /taal nl or /taal en.",
    "control.covered_alert": "Your shift of {date} is taken over. You are free.",
    "leave.menu": "Your days off:\n{items}\n\nRemove a period with its button, or mark new days off.",
    "leave.menu_empty": "You have no days off marked. Mark them with the button.",
    "leave.item": "{first_date} to {last_date}",
    "leave.pick_first": "Days off: from which day?",
    "leave.pick_last": "Days off from {first_date}: until which day (included)?",
    "leave.pick_reason": "Days off {first_date} to {last_date}. A reason? Only you and the coordinator "
    "see it.",
    "leave.marked": "Noted: days off {first_date} to {last_date}. You will not be asked for shifts then.",
    "leave.marked_clash": "Noted: days off {first_date} to {last_date}. You are still on {shifts} shift(s) "
    'in that period: tap "I cannot make it" there, or tell the coordinator.',
    "leave.removed": "Removed. You can be asked for shifts on those days again.",
    "button.leave_new": "Mark days off",
    "button.leave_remove": "Remove {first_date} to {last_date}",
    "button.leave_day": "{date}",
    "button.leave_later": "Later →",
    "button.leave_leave": "Leave",
    "button.leave_training": "Training",
    "button.leave_work": "Other work",
    "button.leave_no_reason": "No reason",
    "control.moved_alert": "A control moved to {date} {start}-{end}.",
    "control.moved": "The control in {municipality} of {old_date} moved to {date} {start}-{end}. "
    "You will be asked whether you can make the new day.",
    "control.cancelled_alert": "The control of {date} {start}-{end} is cancelled.",
    "control.cancelled": "The control of {date} {start}-{end} in {municipality} is cancelled. You no "
    "longer need to go.",
    "work.pick_kind": "Work outside shifts: what did you do?",
    "work.pick_day": "Which day was the {kind}?",
    "work.pick_start": "The {kind} of {date}: from what time?",
    "work.pick_length": "The {kind} of {date} from {start}: how long?",
    "work.check": "The {kind} of {date}, {start}-{end}: {worked} hours. Correct?",
    "work.recorded": "Recorded: the {kind} of {date}, {start}-{end}, {worked} hours. It waits for approval.",
    "button.kind": "{kind}",
    "callback.work_overlap": "These hours overlap hours already booked.",
    "kind.preparation": "preparation",
    "kind.training": "training",
    "kind.peer_review": "peer review",
    "source.health_service": "municipal health service",
    "source.care_worker": "care worker",
    "source.resident": "resident",
    "source.online_advert": "online advert",
    "source.own_observation": "own observation",
    "report.returned": "The coordinator sent the report of {date} back: {remark}\n"
    "Rewrite it, then log your time again with a button below.",
    "draft.summary_repeat": "Call-out {date} {start}-{end} in {municipality} ({source}), address received. "
    "Note: this address was controlled on {controlled_date} (control {control}). Send it to the "
    "inspectors anyway?",
    "findings.none": "You have no control to record: the report writer records it, within two weeks. Older "
    "ones: the coordinator, on the web.",
    "findings.pick": "Which control do you record? Only counts and outcomes per address: no names, no "
    "addresses.",
    "button.findings_control": "{date} {municipality}",
    "button.findings_control_done": "{date} {municipality} (recorded)",
    "findings.police": "Control {control} ({date}, {municipality}): together with the police (TMM)?",
    "button.with_police": "Yes, with the police",
    "button.administrative": "No, administrative only",
    "findings.partners": "Control {control}: which partners joined? Tap to tick, then Next.",
    "button.ticked": "{label} ✓",
    "button.next": "Next",
    "findings.outcome": "Control {control}, address {number}: what did you find?",
    "findings.full": "Control {control}: the bot takes at most six addresses; the coordinator records more "
    "on the web.",
    "button.nobody_present": "Nobody present",
    "button.no_violation": "No violation",
    "button.violation": "Violation",
    "button.findings_done": "Done: {count} addresses",
    "findings.municipality": "Address {number}: which municipality follows up the violation?",
    "findings.signal": "Address {number}: was a signal of human trafficking passed to the police?",
    "findings.care": "Address {number}: was a referral to care offered?",
    "button.yes": "Yes",
    "button.no": "No",
    "findings.recorded": "Recorded for control {control} ({date}, {municipality}): {count} addresses. "
    "Thank you.",
    "findings.refused": "Control {control} could not be recorded; ask the coordinator.",
    "findings.stopped": "Nothing recorded.",
    "admin.audit_anchor": "Audit log anchor: {anchor}\n\nKeep this message. \"piket audit verify --anchor\" "
    "with this value shows whether records were removed or changed since.",
    "safety.start_alert": "Your shift starts: {date} {start}-{end}.",
    "safety.start_lead": "Shift {date} {start}-{end} in {municipality}. Tap \"We are going in\" at each "
    "address, and both of you \"Safe, done\" at the end. In trouble: \"Need help\".",
    "safety.start": "Shift {date} {start}-{end} in {municipality}. Tap \"Safe, done\" at the end. In "
    "trouble: \"Need help\".",
    "button.safety_in": "We are going in",
    "button.safety_done": "Safe, done",
    "button.safety_help": "Need help",
    "button.safety_take": "I'll take this",
    "safety.ended": "Shift ended.",
    "safety.checked_out": "Safe, done: noted at {time}. Thank you.",
    "safety.help_on_its_way": "The coordinator has been alerted.",
    "safety.risk_note": "Risk analysis (police): {level}\n{note}\n\nThis message is deleted after the shift.",
    "level.low": "low risk",
    "level.medium": "medium risk",
    "level.high": "high risk",
    "safety.missed_checkout_alert": "Not checked out: shift {date} until {end}.",
    "safety.missed_checkout": "{who} did not check out safely. Shift in {municipality} ({place}), "
    "planned until {end} on {date}: {minutes} min ago.",
    "safety.alarm_alert": "ALARM: help needed, shift {date} {start}-{end}.",
    "safety.alarm": "ALARM: {who} needs help, at {since}. Shift in {municipality} ({place}), {date} "
    "{start}-{end}.",
    "safety.duress_alert": "ALARM: shift {date} {start}-{end}.",
    "safety.duress": "SILENT ALARM: {who} checked out with the code word at {since}. On the phone it "
    "looks like a normal check-out. Shift in {municipality} ({place}), {date} {start}-{end}.",
    "safety.what_happened": "You have taken this. What happened?",
    "safety.taken_by": "{taker} has taken this.",
    "safety.resolved": "Resolved by {taker}: {outcome}.",
    "outcome.all_well": "Called, all well",
    "outcome.forgot": "Forgot to check out",
    "outcome.help_sent": "Help sent (police)",
    "outcome.false_alarm": "False alarm",
    "callback.safety_in": "Noted: going in.",
    "callback.safety_done": "Safe, done.",
    "callback.safety_alarm": "Alarm sent.",
    "callback.safety_stale": "This safety button is not valid (not yours, or the shift is over).",
    "callback.safety_not_yours": "Only a coordinator or admin can take this.",
    "callback.safety_taken": "Someone else has already taken this.",
    "callback.safety_yours": "It is yours now.",
    "callback.safety_resolved": "Resolved.",
    "callback.safety_resolved_before": "This was already resolved.",
    "safety.word_ask": "Type your private code word (at least 4 characters). Typed instead of tapping "
    "\"Safe, done\", it looks like a normal check-out but alerts the coordinator. Your message is "
    "deleted from the chat.",
    "safety.word_set": "Code word saved. Only a keyed digest is kept, never the word.",
    "safety.word_refused": "That code word cannot be used: 4 to 40 characters, not starting with /. "
    "Type another.",
    "safety.word_removed": "Code word removed.",
}
