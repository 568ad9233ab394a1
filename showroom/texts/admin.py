"""The store admin pages: panoramas, hotspots, products and stock, staff accounts.

key: (English, Japanese); merged into `showroom.i18n.MESSAGES`.
"""

MESSAGES: dict[str, tuple[str, str]] = {}
