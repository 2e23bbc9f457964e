"""The `piket` command: the composition root that wires backend, scheduler and bot together.

It lives apart from `backend` because `serve` starts the bot too, and the bot
imports the backend, never the other way round.
"""
