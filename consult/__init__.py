"""The consultation side of the store: booking, calls, their media and the money taken in them.

One package per area: `booking/`, `calls/`, `media/`, `commerce/`; `models.py` holds their
tables and `mail.py` the outgoing-mail adapter they share. Nothing here imports a page.
"""
