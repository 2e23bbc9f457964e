"""The bot's conversations: the walks through buttons (and for /oproep, typed text) that end in
one service verb. They hold the chat protocol; the services they call never see a button."""
