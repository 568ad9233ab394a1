"""Money in a call: the shared cart, orders, stock held for payment requests, pickup or delivery,
payments and 3-D Secure, receipts, refunds, and who each sale is credited to.

Start with `orders.py` (an order's life: draft, sent for payment, paid) and `checkout.py` (the
request in the call and the pay page's steps). `stock.py` holds, takes and releases stock;
`fulfilment.py` checks addresses; `rules.py` is each store's fee, tax and hold time;
`payments.py` is the gateway interface and its Stripe adapter; `webhooks.py` applies Stripe's
verified events once; `refunds.py`, `receipts.py` and `crediting.py` are what happens after;
`effects.py` and `housekeeping.py` tell others once a change is committed; `localstripe_server.py`
runs the offline Stripe for the demo and tests.
"""
