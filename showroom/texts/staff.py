"""The staff side of calls: presence, queue, customer context, cart, transfer, wrap-up.

key: (English, Japanese); merged into `showroom.i18n.MESSAGES`.
"""

MESSAGES: dict[str, tuple[str, str]] = {}
