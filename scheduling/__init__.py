"""The rules of time, pure: calendars, allowance bands, working-time law, pairing, apportionment.

Nothing here knows Flask, Telegram or the database models; `runner` is the one
part that runs things (APScheduler), and it is handed what to run.
"""
