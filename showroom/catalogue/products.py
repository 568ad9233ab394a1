"""Products, prices and stock: edited on the admin page, imported from CSV, set by a POS/ERP.

A change is stored first; then a `CatalogueChange` is published (`publish`) so that every open
tour shows it without a reload. Functions here take a session and never commit: the caller's
`session_scope` commits everything or nothing.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from showroom.db import utcnow
from showroom.i18n import ZERO_DECIMAL
from showroom.models import Product, Stock, Store
from showroom.pubsub import get_broker

TOPIC = "catalogue"
MAX_QUANTITY = 1_000_000
MAX_BULK_ITEMS = 1000  # updates in one bulk request (the API and its OpenAPI document)
MAX_PRICE = 99_999_999
MAX_NAME = 200
MAX_DESCRIPTION = 5000
CURRENCIES = ("JPY", "USD", "EUR", "GBP")
SKU_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class CatalogueError(ValueError):
    """Refused input: `code` for programs, `message` for people."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class CatalogueChange:
    sku: str
    product_id: int
    store_id: int | None  # None: a price or product change, which every store shows
    quantity: int | None
    price: int | None
    changed: bool
    # What customers are offered: `quantity` less what payment requests hold.
    available: int | None = None

    def message(self) -> dict[str, Any]:
        return asdict(self)


async def publish(changes: Iterable[CatalogueChange]) -> None:
    """Tell open tours about stored changes; call after the commit, never before."""
    broker = get_broker()
    for change in changes:
        if change.changed:
            # One id per change, so the many tours reacting to it can share one database read.
            await broker.publish(TOPIC, change.message() | {"event_id": uuid.uuid4().hex})


def _can_exist(key: str) -> bool:
    """No SKU or slug holds a NUL; PostgreSQL refuses one even in a query (a 500, not a 404)."""
    return "\x00" not in key


def _product(session: Session, sku: str) -> Product:
    product = session.scalar(select(Product).where(Product.sku == sku)) if _can_exist(sku) else None
    if product is None:
        raise CatalogueError("unknown_sku", f"No product has the SKU {sku!r}.", 404)
    return product


def _store(session: Session, slug: str) -> Store:
    store = session.scalar(select(Store).where(Store.slug == slug)) if _can_exist(slug) else None
    if store is None:
        raise CatalogueError("unknown_store", f"No store is called {slug!r}.", 404)
    return store


def _whole_number(value: object, field: str, maximum: int) -> int:
    # bool is an int in Python; a POS sending true/false has a bug we should report.
    # 259046.0 is a whole number, as JSON Schema's "integer" (the OpenAPI document) says.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise CatalogueError("invalid_" + field, f"'{field}' must be a whole number.")
    if not 0 <= value <= maximum:
        raise CatalogueError("invalid_" + field, f"'{field}' must be between 0 and {maximum:,}.")
    return value


def set_stock(session: Session, store_slug: str, sku: str, quantity: object) -> CatalogueChange:
    """Set (not add to) a product's stock in one store: repeating the call changes nothing."""
    amount = _whole_number(quantity, "quantity", MAX_QUANTITY)
    store = _store(session, store_slug)
    product = _product(session, sku)
    row = session.get(Stock, (store.id, product.id), with_for_update=True)
    if row is None:
        row = Stock(store_id=store.id, product_id=product.id, quantity=amount, held=0)
        session.add(row)
        changed = True
    else:
        changed = row.quantity != amount
        row.quantity, row.updated_at = amount, utcnow()
    session.flush()
    left = max(0, amount - (row.held or 0))
    return CatalogueChange(sku, product.id, store.id, amount, None, changed, left)


def _currency_of(product: Product, currency: object) -> None:
    if not isinstance(currency, str) or currency.strip().upper() != product.currency:
        raise CatalogueError(
            "currency_mismatch",
            f"Prices of {product.sku} are in {product.currency}; got {currency!r}.",
        )


def set_price(session: Session, sku: str, price: object, currency: object) -> CatalogueChange:
    """Set a product's price, in the currency's minor unit; the currency must match."""
    amount = _whole_number(price, "price", MAX_PRICE)
    product = _product(session, sku)
    _currency_of(product, currency)
    changed = product.price != amount
    product.price = amount
    session.flush()
    return CatalogueChange(sku, product.id, None, None, amount, changed)


# Reading -------------------------------------------------------------------------------------


def product_record(product: Product, stock: dict[str, int]) -> dict[str, Any]:
    """A product as the API and the admin table show it; `price` in minor units."""
    return {
        "sku": product.sku,
        "name_en": product.name_en,
        "name_ja": product.name_ja,
        "description_en": product.description_en,
        "description_ja": product.description_ja,
        "price": product.price,
        "currency": product.currency,
        "stock": stock,
    }


def _stock_by_sku(
    session: Session, product_ids: Sequence[int] | None = None
) -> dict[int, dict[str, int]]:
    query = select(Stock.product_id, Store.slug, Stock.quantity).join(Store)
    if product_ids is not None:
        query = query.where(Stock.product_id.in_(product_ids))
    result: dict[int, dict[str, int]] = {}
    for product_id, slug, quantity in session.execute(query.order_by(Store.id)):
        result.setdefault(product_id, {})[slug] = quantity
    return result


def list_products(session: Session) -> list[dict[str, Any]]:
    products = session.scalars(select(Product).order_by(Product.sku)).all()
    stock = _stock_by_sku(session)
    return [product_record(p, stock.get(p.id, {})) for p in products]


def get_product(session: Session, sku: str) -> dict[str, Any]:
    product = _product(session, sku)
    return product_record(product, _stock_by_sku(session, [product.id]).get(product.id, {}))


def store_stock(session: Session, store_slug: str) -> dict[str, int]:
    """Every product's stock in one store, by SKU (0 for a product never stocked there)."""
    store = _store(session, store_slug)
    rows = session.execute(
        select(Product.sku, Stock.quantity)
        .outerjoin(Stock, (Stock.product_id == Product.id) & (Stock.store_id == store.id))
        .order_by(Product.sku)
    )
    return {sku: quantity or 0 for sku, quantity in rows}


def store_slugs(session: Session) -> list[str]:
    return list(session.scalars(select(Store.slug).order_by(Store.id)))


# Editing -------------------------------------------------------------------------------------


def parse_price(text: str, currency: str) -> int:
    """A price as people write it ("248,000", "¥248000", "12.50") → minor units.

    JPY has no minor unit, so "1.5" yen is refused rather than rounded.
    """
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    cleaned = cleaned.lstrip("¥$€£").replace("\\", "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
        cleaned = cleaned.replace(",", "")
    digits = 0 if currency in ZERO_DECIMAL else 2
    pattern = r"\d+" if digits == 0 else r"\d+(\.\d{1,2})?"
    if not re.fullmatch(pattern, cleaned):
        hint = "a whole number" if digits == 0 else "a number with at most 2 decimals"
        raise CatalogueError("invalid_price", f"The price must be {hint} ({currency}).")
    whole, _, fraction = cleaned.partition(".")
    amount = int(whole) * 10**digits + int((fraction + "00")[:digits] or 0)
    return _whole_number(amount, "price", MAX_PRICE)


def parse_quantity(text: str) -> int:
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    if not re.fullmatch(r"\d+", cleaned):
        raise CatalogueError("invalid_quantity", "The stock must be a whole number, 0 or more.")
    return _whole_number(int(cleaned), "quantity", MAX_QUANTITY)


def _text(value: str, field: str, maximum: int, *, required: bool = False) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise CatalogueError("missing_" + field, f"'{field}' may not be empty.")
    if len(cleaned) > maximum:
        raise CatalogueError("too_long", f"'{field}' may have at most {maximum:,} characters.")
    return cleaned


@dataclass(frozen=True)
class ProductEdit:
    """What the admin table or a CSV row says about a product; None: leave as it is."""

    name_en: str | None = None
    name_ja: str | None = None
    description_en: str | None = None
    description_ja: str | None = None
    price: str | None = None  # as written by people, parsed in the product's currency


def edit_product(session: Session, sku: str, edit: ProductEdit) -> CatalogueChange:
    """Validate every field first, then write: a refused edit changes nothing."""
    product = _product(session, sku)
    values = _validated(edit, product.currency)
    changed = any(getattr(product, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(product, name, value)
    session.flush()
    return CatalogueChange(sku, product.id, None, None, product.price, changed)


def _validated(edit: ProductEdit, currency: str, *, new: bool = False) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if edit.name_en is not None or new:
        values["name_en"] = _text(edit.name_en or "", "name_en", MAX_NAME, required=True)
    for name, limit in (("name_ja", MAX_NAME), ("description_en", MAX_DESCRIPTION),
                        ("description_ja", MAX_DESCRIPTION)):  # fmt: skip
        if (value := getattr(edit, name)) is not None:
            values[name] = _text(value, name, limit)
    if edit.price is not None and (edit.price.strip() or new):
        values["price"] = parse_price(edit.price, currency)
    return values


def create_product(session: Session, sku: str, edit: ProductEdit, currency: str) -> CatalogueChange:
    if not SKU_PATTERN.fullmatch(sku):
        raise CatalogueError(
            "invalid_sku", "A SKU is 1 to 64 letters, digits, '.', '_' or '-' (no spaces)."
        )
    if currency not in CURRENCIES:
        raise CatalogueError(
            "unknown_currency", f"Currency must be one of {', '.join(CURRENCIES)}."
        )
    if edit.price is None or not edit.price.strip():
        raise CatalogueError("missing_price", "A new product needs a price.")
    values = _validated(edit, currency, new=True)
    values.setdefault("name_ja", "")
    product = Product(sku=sku, currency=currency, images=[], **values)
    session.add(product)
    session.flush()
    return CatalogueChange(sku, product.id, None, None, product.price, True)


# CSV import ----------------------------------------------------------------------------------

MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_ROWS = 10_000
PRODUCT_COLUMNS = ("name_en", "name_ja", "description_en", "description_ja", "price", "currency")
STOCK_PREFIX = "stock_"  # a column per store: stock_aoyama, stock_umeda, ...


@dataclass(frozen=True)
class RejectedRow:
    row: int  # the line in the file as a spreadsheet numbers it (the header is row 1)
    sku: str
    code: str  # also the message key suffix: catalogue.reason.<code>
    message: str


@dataclass
class ImportReport:
    """What an import did. `error` set: the whole file was refused and nothing was stored."""

    error: str = ""
    error_message: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    changes: list[CatalogueChange] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> dict[str, Any]:
        """Plain data for page state and JSON (without the change list)."""
        return {
            "error": self.error,
            "error_message": self.error_message,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [asdict(r) for r in self.rejected],
        }


def decode_csv(data: bytes | str) -> str:
    """UTF-8 (with or without the BOM Excel writes) or Shift_JIS/CP932 (Excel in Japan)."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if len(data) > MAX_CSV_BYTES:
        raise CatalogueError(
            "too_large", f"The file may be at most {MAX_CSV_BYTES // 1024:,} KB.", 413
        )
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CatalogueError("encoding", "The file is neither UTF-8 nor Shift_JIS text.")


def _header(names: list[str] | None, stores: dict[str, Store]) -> list[str]:
    if not names:
        raise CatalogueError("empty", "The file is empty.")
    header = [unicodedata.normalize("NFKC", n).strip().lower() for n in names]
    if "sku" not in header:
        raise CatalogueError(
            "missing_sku_column", "The first row must name the columns, with 'sku'."
        )
    if duplicates := sorted({n for n in header if header.count(n) > 1}):
        raise CatalogueError("duplicate_column", f"Columns named twice: {', '.join(duplicates)}.")
    known = {"sku", *PRODUCT_COLUMNS, *(STOCK_PREFIX + slug for slug in stores)}
    if unknown := [n for n in header if n not in known]:
        raise CatalogueError(
            "unknown_column",
            f"Unknown columns: {', '.join(unknown)}. Known: {', '.join(sorted(known))}.",
        )
    return header


def import_csv(session: Session, data: bytes | str) -> ImportReport:
    """Import products and stock from CSV; see `README.md` for the columns.

    Each row is checked on its own: a bad row is reported (row number, reason) and skipped,
    the good rows are written in the caller's one transaction, so a failure while writing
    (or a refused file) stores nothing at all. Repeating an import changes nothing more.
    """
    report = ImportReport()
    try:
        text = decode_csv(data)
        if len(text.encode()) > MAX_CSV_BYTES:
            raise CatalogueError(
                "too_large", f"The file may be at most {MAX_CSV_BYTES // 1024:,} KB.", 413
            )
        stores = {s.slug: s for s in session.scalars(select(Store))}
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header = _header(next(reader, None), stores)
        rows = _read_rows(reader, header)
    except CatalogueError as error:
        report.error, report.error_message = error.code, error.message
        return report
    seen: set[str] = set()
    for line, values in rows:
        sku = values.get("sku", "")
        try:
            if sku in seen:
                raise CatalogueError("duplicate_sku", "This SKU is on an earlier row too.")
            _import_row(session, values, stores, report)
        except CatalogueError as error:
            report.rejected.append(RejectedRow(line, sku, error.code, error.message))
        seen.add(sku)
    return report


def _read_rows(reader: Any, header: list[str]) -> list[tuple[int, dict[str, str]]]:
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, common at the end of spreadsheet exports
            if len(rows) >= MAX_CSV_ROWS:
                raise CatalogueError(
                    "too_many_rows", f"The file may have at most {MAX_CSV_ROWS:,} rows.", 413
                )
            line = reader.line_num
            extra = cells[len(header) :]
            cells = (cells + [""] * len(header))[: len(header)]
            values = dict(zip(header, cells, strict=True))
            if any(cell.strip() for cell in extra):
                values["_extra"] = "1"
            rows.append((line, values))
    except csv.Error as error:
        raise CatalogueError(
            "malformed", f"The file is not valid CSV (line {reader.line_num}): {error}."
        ) from None
    return rows


def _import_row(
    session: Session, values: dict[str, str], stores: dict[str, Store], report: ImportReport
) -> None:
    """Validate the whole row before writing any of it."""
    if "_extra" in values:
        raise CatalogueError("extra_cells", "This row has more cells than the header.")
    sku = values.get("sku", "").strip()
    if not sku:
        raise CatalogueError("missing_sku", "The SKU is empty.")
    edit = ProductEdit(
        **{k: values[k] for k in PRODUCT_COLUMNS[:5] if k in values and values[k].strip()}
    )
    quantities = {
        column.removeprefix(STOCK_PREFIX): parse_quantity(text)
        for column, text in values.items()
        if column.startswith(STOCK_PREFIX) and text.strip()
    }
    currency = unicodedata.normalize("NFKC", values.get("currency", "")).strip().upper()
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        change = create_product(session, sku, edit, currency or _default_currency(stores))
        report.created += 1
    else:
        if currency and currency != product.currency:
            _currency_of(product, currency)
        _validated(edit, product.currency)  # before any write, so a bad row writes nothing
        change = edit_product(session, sku, edit)
    changes = [change] + [set_stock(session, slug, sku, n) for slug, n in quantities.items()]
    if product is not None:
        if any(c.changed for c in changes):
            report.updated += 1
        else:
            report.unchanged += 1
    report.changes.extend(c for c in changes if c.changed)


def _default_currency(stores: dict[str, Store]) -> str:
    currencies = {s.currency for s in stores.values()}
    return currencies.pop() if len(currencies) == 1 else "JPY"


def export_csv(session: Session) -> str:
    """The catalogue in the import format: a template, and a round trip that changes nothing."""
    slugs = store_slugs(session)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["sku", *PRODUCT_COLUMNS, *(STOCK_PREFIX + s for s in slugs)])
    for record in list_products(session):
        price = record["price"]
        written = str(price) if record["currency"] in ZERO_DECIMAL else f"{price / 100:.2f}"
        writer.writerow([
            record["sku"], record["name_en"], record["name_ja"], record["description_en"],
            record["description_ja"], written, record["currency"],
            *(record["stock"].get(s, "") for s in slugs),
        ])  # fmt: skip
    return out.getvalue()
