"""The Telegram side of the bot: the only package that imports `telegram`."""

import os

# python-telegram-bot 22 warns on every time period it hands out as an int (RetryAfter builds
# its own message that way, so each 429 warns); opting in to the coming timedelta values
# (read at call time) silences that. Our code accepts both forms.
os.environ.setdefault("PTB_TIMEDELTA", "true")
