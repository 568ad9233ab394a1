"""Money in a call: the shared cart, orders, payment requests, the Stripe gateway and webhooks.

Start with `orders.py`; `payments.py` is the gateway adapter, `webhooks.py` applies Stripe's
verified events, `localstripe_server.py` runs the offline Stripe for the demo and tests.
"""
