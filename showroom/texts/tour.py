"""The customer's tour: viewer, product panel, floor plan, wish list, sharing.

key: (English, Japanese); merged into `showroom.i18n.MESSAGES`.
"""

MESSAGES: dict[str, tuple[str, str]] = {}
