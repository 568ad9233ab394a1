"""The call's media panel: lobby, devices, call controls, connection quality, recovery.

key: (English, Japanese); merged into `showroom.i18n.MESSAGES`.
"""

MESSAGES: dict[str, tuple[str, str]] = {}
