import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from showroom import pubsub
from showroom.catalogue import products
from showroom.catalogue.products import (
    CatalogueChange,
    CatalogueError,
    ProductEdit,
    edit_product,
    export_csv,
    get_product,
    import_csv,
    list_products,
    parse_price,
    set_price,
    set_stock,
    store_stock,
)
from showroom.models import Product, Stock
from tests import factories


def test_setting_stock_is_idempotent(session: Session) -> None:
    store = factories.store(session)
    sofa = factories.product(session)
    first = set_stock(session, "aoyama", "SOFA-001", 3)
    again = set_stock(session, "aoyama", "SOFA-001", 3)
    assert first.changed and not again.changed
    assert session.get(Stock, (store.id, sofa.id)).quantity == 3  # type: ignore[union-attr]
    assert set_stock(session, "aoyama", "SOFA-001", 0).changed


@pytest.mark.parametrize(
    "store, sku, quantity, code",
    [
        ("aoyama", "SOFA-001", -1, "invalid_quantity"),
        ("aoyama", "SOFA-001", 2.5, "invalid_quantity"),
        ("aoyama", "SOFA-001", "3", "invalid_quantity"),
        ("aoyama", "SOFA-001", True, "invalid_quantity"),
        ("aoyama", "SOFA-001", None, "invalid_quantity"),
        ("nowhere", "SOFA-001", 3, "unknown_store"),
        ("aoyama", "NOPE-1", 3, "unknown_sku"),
        # A NUL can be in no slug or SKU; PostgreSQL refused even to look it up (found by
        # Schemathesis in the catalogue contract test): a 404 like any unknown one.
        ("\x00", "SOFA-001", 3, "unknown_store"),
        ("aoyama", "SOFA\x00", 3, "unknown_sku"),
    ],
)
def test_bad_stock_changes_are_refused_and_change_nothing(
    session: Session, store: str, sku: str, quantity: object, code: str
) -> None:
    row = factories.stock(session, factories.store(session), factories.product(session), 5)
    with pytest.raises(CatalogueError) as raised:
        set_stock(session, store, sku, quantity)
    assert raised.value.code == code and raised.value.message
    assert row.quantity == 5


def test_price_changes_keep_the_currency(session: Session) -> None:
    sofa = factories.product(session, price=248000)
    assert set_price(session, "SOFA-001", 199000, "jpy").price == 199000
    assert session.get(Product, sofa.id).price == 199000  # type: ignore[union-attr]
    with pytest.raises(CatalogueError, match="JPY"):
        set_price(session, "SOFA-001", 19900, "USD")
    with pytest.raises(CatalogueError):
        set_price(session, "SOFA-001", -5, "JPY")
    assert sofa.price == 199000


# Reading, editing, CSV import ------------------------------------------------------------------

HEADER = "sku,name_en,name_ja,price,currency,stock_aoyama\r\n"


def _catalogue(session: Session) -> tuple[Product, Stock]:
    store = factories.store(session)
    sofa = factories.product(session)
    return sofa, factories.stock(session, store, sofa, 5)


def test_products_are_listed_with_stock_per_store(session: Session) -> None:
    _catalogue(session)
    factories.product(session, sku="LAMP-1", price=1200)
    listed = list_products(session)
    assert [p["sku"] for p in listed] == ["LAMP-1", "SOFA-001"]
    assert listed[1]["stock"] == {"aoyama": 5} and listed[0]["stock"] == {}
    assert get_product(session, "SOFA-001")["price"] == 248000
    assert store_stock(session, "aoyama") == {"LAMP-1": 0, "SOFA-001": 5}
    with pytest.raises(CatalogueError, match="NOPE"):
        get_product(session, "NOPE")


@pytest.mark.parametrize(
    "written, currency, amount",
    [
        ("248000", "JPY", 248000),
        ("248,000", "JPY", 248000),
        ("¥248,000", "JPY", 248000),
        ("２４８０００", "JPY", 248000),
        ("12.5", "USD", 1250),
        ("$1,299.99", "USD", 129999),
        ("7", "EUR", 700),
    ],
)
def test_prices_are_read_as_people_write_them(written: str, currency: str, amount: int) -> None:
    assert parse_price(written, currency) == amount


@pytest.mark.parametrize(
    "written, currency", [("1.5", "JPY"), ("-3", "JPY"), ("abc", "JPY"), ("", "JPY"),
                          ("1.999", "USD"), ("100000000", "JPY"), ("1,00", "JPY")],
)  # fmt: skip
def test_bad_prices_are_refused(written: str, currency: str) -> None:
    with pytest.raises(CatalogueError) as raised:
        parse_price(written, currency)
    assert raised.value.code == "invalid_price"


def test_a_product_edit_is_validated_whole_before_anything_is_written(session: Session) -> None:
    sofa, _ = _catalogue(session)
    change = edit_product(session, "SOFA-001", ProductEdit(name_ja="新ソファ", price="199,000"))
    assert change.changed and change.price == 199000 and sofa.name_ja == "新ソファ"
    assert not edit_product(session, "SOFA-001", ProductEdit(price="199000")).changed
    for bad in (ProductEdit(name_en=" ", price="1"), ProductEdit(name_ja="x", price="1.5"),
                ProductEdit(description_en="x" * 5001, price="2")):  # fmt: skip
        with pytest.raises(CatalogueError):
            edit_product(session, "SOFA-001", bad)
    assert (sofa.price, sofa.name_ja, sofa.name_en) == (199000, "新ソファ", "Sofa")


def test_csv_import_creates_updates_and_reports_what_it_did(session: Session) -> None:
    sofa, stock = _catalogue(session)
    text = HEADER + 'SOFA-001,Sofa,ソファ,"199,000",JPY,2\r\nLAMP-1,Lamp,ランプ,12000,,7\r\n'
    report = import_csv(session, text)
    assert (report.created, report.updated, report.unchanged, report.rejected) == (1, 1, 0, [])
    assert (sofa.price, stock.quantity) == (199000, 2)
    lamp = session.scalar(select(Product).where(Product.sku == "LAMP-1"))
    assert lamp is not None and (lamp.name_ja, lamp.price, lamp.currency) == (
        "ランプ",
        12000,
        "JPY",
    )
    assert {c.sku for c in report.changes} == {"SOFA-001", "LAMP-1"}
    again = import_csv(session, text)
    assert (again.created, again.updated, again.unchanged, again.changes) == (0, 0, 2, [])


def test_an_export_imports_back_unchanged(session: Session) -> None:
    _catalogue(session)
    factories.product(
        session, sku="RUG-1", price=1999, currency="USD", description_en='A "rug", 2m'
    )
    report = import_csv(session, export_csv(session))
    assert (report.unchanged, report.rejected, report.error) == (2, [], "")


def test_csv_with_a_bom_or_in_shift_jis_is_read(session: Session) -> None:
    sofa, _ = _catalogue(session)
    text = "sku,name_ja\r\nSOFA-001,ヒノキ ソファ\r\n"
    assert import_csv(session, ("\ufeff" + text).encode("utf-8")).updated == 1
    assert sofa.name_ja == "ヒノキ ソファ"
    assert import_csv(session, text.replace("ヒノキ", "杉").encode("cp932")).updated == 1
    assert sofa.name_ja == "杉 ソファ"


def test_blank_cells_leave_values_and_blank_lines_are_skipped(session: Session) -> None:
    sofa, stock = _catalogue(session)
    report = import_csv(session, HEADER + "SOFA-001,,,,,3\r\n\r\n,,,,,\r\n")
    assert (report.updated, report.rejected) == (1, [])
    assert (sofa.name_en, sofa.price, stock.quantity) == ("Sofa", 248000, 3)


@pytest.mark.parametrize(
    "row, code",
    [
        (",Sofa,ソファ,1,JPY,1", "missing_sku"),
        ("SOFA-001,Sofa,ソファ,1,JPY,-2", "invalid_quantity"),
        ("SOFA-001,Sofa,ソファ,1,JPY,lots", "invalid_quantity"),
        ("SOFA-001,Sofa,ソファ,1,JPY,2000000", "invalid_quantity"),
        ("SOFA-001,Sofa,ソファ,1.5,JPY,1", "invalid_price"),
        ("SOFA-001,Sofa,ソファ,free,JPY,1", "invalid_price"),
        ("SOFA-001,Sofa,ソファ,1,USD,1", "currency_mismatch"),
        ("SOFA-001,Sofa,ソファ,1,JPY,1,surplus", "extra_cells"),
        ("SOFA-001," + "x" * 201 + ",ソファ,1,JPY,1", "too_long"),
        ("NEW-1,,ランプ,100,JPY,1", "missing_name_en"),
        ("NEW-1,Lamp,ランプ,,JPY,1", "missing_price"),
        ("NEW-1,Lamp,ランプ,100,XYZ,1", "unknown_currency"),
        ("NEW 1,Lamp,ランプ,100,JPY,1", "invalid_sku"),
    ],
)
def test_each_bad_row_is_rejected_with_its_row_number_and_reason(
    session: Session, row: str, code: str
) -> None:
    sofa, stock = _catalogue(session)
    factories.product(session, sku="LAMP-1", price=1200)
    text = HEADER + "LAMP-1,Lamp,ランプ,1300,JPY,4\r\n" + row + "\r\n"
    report = import_csv(session, text)
    assert report.error == "" and report.updated == 1  # the good row is stored
    assert [(r.row, r.code) for r in report.rejected] == [(3, code)]
    assert report.rejected[0].message
    assert (stock.quantity, sofa.price, sofa.name_en) == (5, 248000, "Sofa")
    assert session.scalar(select(Product).where(Product.sku.like("NEW%"))) is None


def test_a_sku_twice_in_one_file_is_rejected_the_second_time(session: Session) -> None:
    _, stock = _catalogue(session)
    report = import_csv(session, HEADER + "SOFA-001,,,,,1\r\nSOFA-001,,,,,9\r\n")
    assert [(r.row, r.code) for r in report.rejected] == [(3, "duplicate_sku")]
    assert stock.quantity == 1


@pytest.mark.parametrize(
    "data, code",
    [
        ("", "empty"),
        ("name_en,price\r\nSofa,1\r\n", "missing_sku_column"),
        ("sku,price,PRICE\r\n", "duplicate_column"),
        ("sku,colour\r\n", "unknown_column"),
        ("sku,stock_umeda\r\n", "unknown_column"),  # no such store
        ('sku,price\r\n"SOFA-001"x,1\r\n', "malformed"),
        (b"sku,name_en\r\nSOFA-001,\xff\xfe\xfa\r\n", "encoding"),
        (b"sku\r\n" + b"A" * products.MAX_CSV_BYTES, "too_large"),
        ("sku\r\n" + "SOFA-001\r\n" * (products.MAX_CSV_ROWS + 1), "too_many_rows"),
    ],
)
def test_a_refused_file_stores_nothing(session: Session, data: str | bytes, code: str) -> None:
    _, stock = _catalogue(session)
    report = import_csv(session, data)
    assert report.error == code and report.error_message
    assert report.accepted == 0 and stock.quantity == 5


def test_an_import_that_fails_while_writing_leaves_nothing_half_written(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as session:
        _catalogue(session)
        factories.product(session, sku="LAMP-1", price=1200)
        session.commit()
    real = products.set_stock

    def failing(session: Session, store: str, sku: str, quantity: object) -> CatalogueChange:
        if sku == "LAMP-1":
            raise OSError("disk full")
        return real(session, store, sku, quantity)

    monkeypatch.setattr(products, "set_stock", failing)
    with pytest.raises(OSError), Session(engine) as session, session.begin():
        import_csv(session, HEADER + "SOFA-001,,,1,,1\r\nLAMP-1,,,,,3\r\n")
    with Session(engine) as session:
        assert session.scalar(select(Stock.quantity)) == 5
        assert session.scalar(select(Product.price).where(Product.sku == "SOFA-001")) == 248000


async def test_changes_are_published_after_the_fact(monkeypatch: pytest.MonkeyPatch) -> None:
    local = pubsub.LocalBroker()
    monkeypatch.setattr(pubsub, "_broker", local)
    same = CatalogueChange("A", 1, 1, 3, None, changed=False)
    new = CatalogueChange("B", 2, 1, 4, None, changed=True)
    async with local.subscribe(products.TOPIC) as queue:
        await products.publish([same, new])
        message = queue.get_nowait()
        assert message["sku"] == "B" and len(message["event_id"]) == 32 and queue.empty()


def test_every_refusal_has_a_translated_reason_for_the_admin_page() -> None:
    import re
    from pathlib import Path

    from showroom.i18n import MESSAGES

    source = Path(products.__file__).read_text()
    codes = {c for c in re.findall(r'CatalogueError\(\s*"([a-z_]+)"', source) if c[-1] != "_"}
    codes |= {"invalid_price", "invalid_quantity", "missing_name_en"}  # built from field names
    missing = sorted(c for c in codes if f"catalogue_reason.{c}" not in MESSAGES)
    assert codes and not missing
