"""Every text the bot sends, by template key, in English (the gettext msgid).

The Dutch translations live in `bot/locale/nl/LC_MESSAGES/piket.po`; Dutch is
the default language. Services name a template key and its parameters; the
sender renders them here, so wording never lives in the services.
Texts on a lock screen (`offer.alert`) say only that there is a call-out and when.
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
    "offer.standby": "The call-out of {date} is filled. You are on standby.",
    "offer.filled": "The call-out of {date} is filled. Thank you.",
    "offer.cancelled": "The call-out of {date} is cancelled.",
    "offer.confirmed": "You are going: {date} {start}-{end}.",
    "offer.reminder": "Reminder: the call-out of {date} {start}-{end} is still open. Can you go?",
    "pair.confirmed": "Confirmed: {date} {start}-{end} in {municipality}, with {colleague}. "
    "The location follows in a separate message.",
    "pair.location": "Location: {location}\n{notes}\n\nThis message is deleted after the shift.",
    "pair.cancelled": "The call-out of {date} is cancelled. You no longer need to go.",
    "coordinator.callout_created": "Call-out {date} {start}-{end} in {municipality}: offered to {offered}.",
    "coordinator.callout_filled": "Call-out {date} in {municipality} is filled: {first} and {second}.",
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
    "callback.filled": "Already filled, thank you.",
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
    "roster.header": "Your next shifts:",
    "roster.item": "{date} {start}-{end}, {municipality}",
    "hours.summary": "{month}: {worked} worked, {waiting} of it waiting for approval.",
    "hours.ask": "The shift of {date} in {municipality} has ended. Are these your hours?",
    "hours.pick_start": "{date}: when did you start?",
    "hours.pick_end": "{date}: started {start}. When did you finish?",
    "hours.pick_break": "{date}: {start}-{end}. How long was your break?",
    "hours.check": "{date}: {start}-{end}, {break} min break, {worked} hours worked. Correct?",
    "hours.recorded": "Recorded for {date}: {start}-{end}, {break} min break, {worked} hours. "
    "You can correct this until the coordinator approves it.",
    "report.ask": "You write the report of {date} in {municipality}. When it is done: how long did it take?",
    "report.recorded": "Report of {date}: {worked} hours recorded. Thank you.",
    "button.hours_ok": "{start}-{end}, {break} min break: correct",
    "button.correct": "Correct them",
    "button.confirm": "Correct",
    "button.again": "Start again",
    "button.time": "{time}",
    "button.minutes": "{minutes} min",
    "button.duration": "{duration}",
    "callback.noted": "OK.",
    "callback.recorded": "Recorded.",
    "callback.approved": "These hours are approved already; ask the coordinator to correct them.",
    "offer.cover_alert": "Cover needed {date}, {start}-{end}.",
    "offer.cover_details": "A colleague cannot make the control in {municipality}, {date} {start}-{end}. "
    "Can you take it over?",
    "control.ask": "Control {date} {start}-{end} in {municipality}. Can you make it?",
    "control.unconfirmed": "You have not yet confirmed the control of {date} {start}-{end} in "
    "{municipality}. Can you make it?",
    "control.confirmed": "Confirmed: control {date} {start}-{end} in {municipality}.",
    "control.cover_asked": "You asked for cover for {date}. Until a colleague takes over, you are still "
    "on the roster.",
    "control.covered": "{colleague} takes over your control of {date}. You are free.",
    "cover.confirmed": "Confirmed: you take over the control of {date} {start}-{end} in {municipality}, "
    "with {colleague}.",
    "cover.new_colleague": "Your colleague for {date} {start}-{end} in {municipality} is now {colleague}.",
    "shift.tomorrow": "Reminder: {date} {start}-{end} in {municipality}.",
    "shift.today": "Today: {start}-{end} in {municipality}.",
    "coordinator.cover_requested": "{name} asks for cover for {date} {start}-{end} in {municipality}: "
    "offered to {offered}.",
    "coordinator.swap": "Swap {date} in {municipality}: {out} out, {in} in.",
    "coordinator.unconfirmed": "{name} has not confirmed {date} {start}-{end} in {municipality}.",
    "button.can_go": "I can go",
    "button.cannot": "I cannot make it",
    "callback.cover": "Noted. We are looking for a colleague.",
    "draft.source": "New call-out. What is it from?",
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
}
