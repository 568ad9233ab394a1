"""The customer's side of a call: lobby, queue, call controls, product cards.

key: (English, Japanese); merged into `showroom.i18n.MESSAGES`.
"""

MESSAGES: dict[str, tuple[str, str]] = {}
