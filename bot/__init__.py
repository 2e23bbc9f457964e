"""The Telegram adapter: handlers, keyboards, texts (Dutch first, English), and the outbox sender.

Handlers translate an update into one service call and answer; everything the
bot says to an inspector goes through the outbox that the services fill.
"""
