"""Calls (consultations) as the store runs them: walk-in queue, presence, chat, transfer,
the customer's context, the guided tour, wrap-up and the supervisor's board.

Start with `consultations.py` (a call, its link and chat), then `queue.py` (waiting and accepting).
"""
