"""The catalogue: products, prices and stock, edited by admins, imported as CSV, set by a POS/ERP.

Start with `products.py`; `api.py` is the REST API for store systems, `openapi.py` its document.
"""
