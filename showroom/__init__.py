"""The customer-facing app and its shell: `showroom.py` wires pages (`pages/`) and the API.

`tours/` and `catalogue/` are the domain wings; settings, database, identity, i18n and pub/sub
are the shared modules beside this file.
"""
