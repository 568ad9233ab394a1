"""The OpenAPI 3.1 description of the POS/ERP catalogue API (served at /api/catalogue/openapi.json).

Written by hand next to the routes; a test checks that both list the same paths and methods
and that the document is valid OpenAPI 3.1.
"""

from __future__ import annotations

from typing import Any

from showroom.catalogue.products import MAX_BULK_ITEMS, MAX_PRICE, MAX_QUANTITY

REF = "#/components/schemas/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): {"$ref": f"#/components/responses/E{s}"} for s in statuses}


SKU = {"name": "sku", "in": "path", "required": True, "schema": {"type": "string"}}
STORE = {
    "name": "store",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "The store's slug, e.g. `aoyama`.",
}
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "Optional. A retry with the same key and body gets the first answer again.",
}


def _schemas() -> dict[str, Any]:
    quantity = {"type": "integer", "minimum": 0, "maximum": MAX_QUANTITY}
    price = {
        "type": "integer",
        "minimum": 0,
        "maximum": MAX_PRICE,
        "description": "In the currency's minor unit: yen for JPY, cents for USD.",
    }
    currency = {"type": "string", "pattern": "^[A-Za-z]{3}$", "examples": ["JPY"]}
    return {
        "Error": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {
                "error": {"type": "string", "description": "A stable code for programs."},
                "message": {"type": "string", "description": "What went wrong, for people."},
                "problems": {"type": "array", "items": _ref("Problem")},
            },
        },
        "Problem": {
            "type": "object",
            "required": ["index", "error", "message"],
            "properties": {
                "index": {"type": "integer"},
                "error": {"type": "string"},
                "message": {"type": "string"},
            },
        },
        "Product": {
            "type": "object",
            "required": ["sku", "name_en", "name_ja", "price", "currency", "stock"],
            "properties": {
                "sku": {"type": "string"},
                "name_en": {"type": "string"},
                "name_ja": {"type": "string"},
                "description_en": {"type": "string"},
                "description_ja": {"type": "string"},
                "price": price,
                "currency": currency,
                "stock": {
                    "type": "object",
                    "additionalProperties": quantity,
                    "description": "Quantity by store slug.",
                },
            },
        },
        "Change": {
            "type": "object",
            "required": ["sku", "product_id", "store_id", "quantity", "price", "changed"],
            "properties": {
                "sku": {"type": "string"},
                "product_id": {"type": "integer"},
                "store_id": {"type": ["integer", "null"]},
                "quantity": {"type": ["integer", "null"]},
                "price": {"type": ["integer", "null"]},
                "changed": {"type": "boolean", "description": "False: it already had this value."},
                "available": {
                    "type": ["integer", "null"],
                    "description": "What customers are offered: quantity less units held for "
                    "payment requests not yet paid.",
                },
            },
        },
        "StockBody": {
            "type": "object",
            "required": ["quantity"],
            "additionalProperties": False,
            "properties": {"quantity": quantity},
        },
        "PriceBody": {
            "type": "object",
            "required": ["price", "currency"],
            "additionalProperties": False,
            "properties": {"price": price, "currency": currency},
        },
        "StockUpdate": {
            "type": "object",
            "required": ["store", "sku", "quantity"],
            "additionalProperties": False,
            "properties": {
                "store": {"type": "string"},
                "sku": {"type": "string"},
                "quantity": quantity,
            },
        },
        "PriceUpdate": {
            "type": "object",
            "required": ["sku", "price", "currency"],
            "additionalProperties": False,
            "properties": {"sku": {"type": "string"}, "price": price, "currency": currency},
        },
        "BulkBody": {
            "type": "object",
            "required": ["updates"],
            "additionalProperties": False,
            "properties": {
                "updates": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_BULK_ITEMS,
                    "items": {"oneOf": [_ref("StockUpdate"), _ref("PriceUpdate")]},
                }
            },
        },
        "ImportReport": {
            "type": "object",
            "required": ["created", "updated", "unchanged", "rejected"],
            "properties": {
                "error": {"type": "string"},
                "error_message": {"type": "string"},
                "created": {"type": "integer"},
                "updated": {"type": "integer"},
                "unchanged": {"type": "integer"},
                "rejected": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["row", "sku", "code", "message"],
                        "properties": {
                            "row": {"type": "integer"},
                            "sku": {"type": "string"},
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        },
    }


def _responses() -> dict[str, Any]:
    texts = {
        400: "Invalid input (bad JSON, unknown field, value out of range, currency mismatch).",
        401: "Missing or wrong API key.",
        404: "Unknown store or SKU.",
        413: "The body or the number of CSV rows is over the limit.",
        415: "Wrong Content-Type.",
        422: "Well-formed but refused; nothing was stored.",
    }
    return {f"E{status}": _json(_ref("Error"), text) for status, text in texts.items()}


def _operation(
    summary: str, ok: dict[str, Any], errors: tuple[int, ...], **extra: Any
) -> dict[str, Any]:
    return {"summary": summary, "responses": {"200": ok, **_errors(*errors)}, **extra}


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


def document() -> dict[str, Any]:
    change = _json(_ref("Change"), "Stored (or already so); open tours show it at once.")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Showroom catalogue API",
            "version": "1.0.0",
            "description": (
                "For POS and ERP systems: read products and stock, set stock and prices. "
                "PUT sets a value, so repeating a request changes nothing more. Every change "
                "appears in every open store tour within a second."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"apiKey": []}],
        "components": {
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The key in the server's data/api_key file.",
                }
            },
            "schemas": _schemas(),
            "responses": _responses(),
        },
        "paths": {
            "/api/catalogue/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1 JSON."}},
                }
            },
            "/api/catalogue/products": {
                "get": _operation(
                    "All products with their price and stock per store",
                    _json(
                        {
                            "type": "object",
                            "required": ["products"],
                            "properties": {"products": {"type": "array", "items": _ref("Product")}},
                        },
                        "The catalogue.",
                    ),
                    (401,),
                )
            },
            "/api/catalogue/products/{sku}": {
                "parameters": [SKU],
                "get": _operation(
                    "One product", _json(_ref("Product"), "The product."), (401, 404)
                ),
            },
            "/api/catalogue/products/{sku}/price": {
                "parameters": [SKU],
                "put": _operation(
                    "Set a product's price (currency must be the product's)",
                    change,
                    (400, 401, 404, 413, 415, 422),
                    parameters=[IDEMPOTENCY],
                    requestBody=_body("PriceBody"),
                ),
            },
            "/api/catalogue/stores/{store}/stock": {
                "parameters": [STORE],
                "get": _operation(
                    "Every product's stock in one store",
                    _json(
                        {
                            "type": "object",
                            "required": ["store", "stock"],
                            "properties": {
                                "store": {"type": "string"},
                                "stock": {
                                    "type": "object",
                                    "additionalProperties": {"type": "integer"},
                                },
                            },
                        },
                        "Quantity by SKU.",
                    ),
                    (401, 404),
                ),
            },
            "/api/catalogue/stores/{store}/stock/{sku}": {
                "parameters": [STORE, SKU],
                "get": _operation(
                    "One product's stock in one store",
                    _json(
                        {
                            "type": "object",
                            "required": ["store", "sku", "quantity"],
                            "properties": {
                                "store": {"type": "string"},
                                "sku": {"type": "string"},
                                "quantity": {"type": "integer"},
                            },
                        },
                        "The quantity.",
                    ),
                    (401, 404),
                ),
                "put": _operation(
                    "Set (not add to) a product's stock in one store",
                    change,
                    (400, 401, 404, 413, 415, 422),
                    parameters=[IDEMPOTENCY],
                    requestBody=_body("StockBody"),
                ),
            },
            "/api/catalogue/bulk": {
                "put": _operation(
                    "Many stock and price updates: all stored, or none",
                    _json(
                        {
                            "type": "object",
                            "required": ["changes"],
                            "properties": {"changes": {"type": "array", "items": _ref("Change")}},
                        },
                        "All stored.",
                    ),
                    (400, 401, 413, 415, 422),
                    parameters=[IDEMPOTENCY],
                    requestBody=_body("BulkBody"),
                    description=(
                        "422 lists every refused update by its index (or says there are over "
                        "1,000); nothing is stored."
                    ),
                )
            },
            "/api/catalogue/import": {
                "post": _operation(
                    "Import a CSV file (the admin page's format)",
                    _json(_ref("ImportReport"), "Good rows stored; bad rows listed."),
                    (400, 401, 413, 415, 422),
                    parameters=[IDEMPOTENCY],
                    requestBody={
                        "required": True,
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    description=(
                        "Columns: sku, name_en, name_ja, description_en, description_ja, price "
                        "(as written, e.g. 248,000 or 12.50), currency, stock_<store slug>. "
                        "Empty cells leave values as they are. UTF-8 (BOM allowed) or Shift_JIS."
                    ),
                )
            },
        },
    }
