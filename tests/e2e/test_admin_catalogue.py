"""A supervisor edits products and stock, imports a CSV file; open tours follow without reload."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import FilePayload, Locator, Page, expect

from tests.e2e.conftest import ARTIFACTS, ContextFactory, RunningApp, log_in
from tests.e2e.test_tour import wait_for_viewer

SUPERVISOR = "yuki@showroom.example"
ADMIN_URL = "/admin/catalogue"


@pytest.fixture
def api(app: RunningApp) -> Iterator[httpx.Client]:
    """The POS API, to put back what a test changed (other tests read the demo catalogue)."""
    key = (app.data_dir / "api_key").read_text().strip()
    with httpx.Client(
        base_url=f"{app.url}/api/catalogue", headers={"authorization": f"Bearer {key}"}
    ) as client:
        before = client.get("/products").json()["products"]
        yield client
        updates: list[dict[str, object]] = []
        for product in before:
            updates.append(
                {"sku": product["sku"], "price": product["price"], "currency": product["currency"]}
            )
            updates += [
                {"store": store, "sku": product["sku"], "quantity": quantity}
                for store, quantity in product["stock"].items()
            ]
        assert client.put("/bulk", json={"updates": updates}).is_success


def open_admin(page: Page, app: RunningApp) -> None:
    log_in(page, app, SUPERVISOR)
    page.wait_for_url(re.compile(r".*/(staff|supervisor).*"))
    page.goto(f"{app.url}{ADMIN_URL}")
    expect(page.get_by_role("heading", name="Products and stock")).to_be_visible()


def row(page: Page, sku: str) -> Locator:
    return page.locator(f"#product-{sku}")


def test_a_stock_edit_in_the_table_shows_in_an_open_tour_without_reload(
    app: RunningApp, browser_context: ContextFactory, api: httpx.Client
) -> None:
    # The sofa's stock as this test expects it: other tests sell sofas (a sale takes stock).
    assert api.put("/stores/aoyama/stock/SOFA-001", json={"quantity": 4}).is_success
    customer = browser_context().new_page()
    customer.goto(f"{app.url}/tour/aoyama/living")
    wait_for_viewer(customer)
    customer.get_by_text("Hinoki three-seat sofa · ¥248,000").click()
    dialog = customer.get_by_role("dialog")
    expect(dialog.get_by_text("In stock")).to_be_visible()
    navigations: list[str] = []
    customer.on("framenavigated", lambda frame: navigations.append(frame.url))

    admin = browser_context().new_page()
    open_admin(admin, app)
    table = row(admin, "SOFA-001")
    table.get_by_label("Stock in aoyama SOFA-001").fill("0")
    table.get_by_role("button", name="Save").click()
    expect(table.get_by_role("status")).to_have_text("Saved")
    expect(dialog.get_by_text("Out of stock")).to_be_visible(timeout=5_000)

    table = row(admin, "SOFA-001")  # the table is drawn again from what was stored
    expect(table.get_by_label("Stock in aoyama SOFA-001")).to_have_value("0")
    table.get_by_label("Price").fill("199,000")
    table.get_by_role("button", name="Save").click()
    expect(customer.get_by_text("Hinoki three-seat sofa · ¥199,000")).to_be_visible(timeout=5_000)
    expect(dialog.locator("#product-price")).to_have_text("¥199,000")
    assert navigations == []  # the same tour page, updated in place
    ARTIFACTS.mkdir(exist_ok=True)
    admin.screenshot(path=ARTIFACTS / "admin-catalogue-saved.png", full_page=True)
    customer.screenshot(path=ARTIFACTS / "tour-after-admin-edit.png")


def test_a_bad_value_is_explained_and_nothing_is_stored(
    app: RunningApp, page: Page, api: httpx.Client
) -> None:
    open_admin(page, app)
    table = row(page, "SOFA-002")
    table.get_by_label("Price").fill("89000.5")
    table.get_by_label("Stock in aoyama SOFA-002").fill("1")
    table.get_by_role("button", name="Save").click()
    expect(table.get_by_role("alert")).to_contain_text("JPY has no decimals")
    stored = api.get("/products/SOFA-002").json()
    assert (stored["price"], stored["stock"]["aoyama"]) == (89000, 2)  # not even the stock
    table.get_by_label("Name in English").fill("")
    table.get_by_label("Price").fill("89000")
    table.get_by_role("button", name="Save").click()
    expect(table.get_by_role("alert")).to_have_text("The English name is empty.")
    page.screenshot(path=ARTIFACTS / "admin-catalogue-error.png")


CSV = (
    "sku,name_en,name_ja,price,stock_aoyama\r\n"
    'VAS-001,,,"9,500",14\r\n'
    "NEW 1,Stool,スツール,12000,3\r\n"
    "SIDE-001,,,cheap,1\r\n"
    "CHR-001,,,,-3\r\n"
    "STL-001,Stool,スツール,12000,3\r\n"
)


def test_a_csv_import_stores_good_rows_and_lists_the_rejected_ones(
    app: RunningApp, page: Page, api: httpx.Client
) -> None:
    open_admin(page, app)
    page.locator("#catalogue-csv input[type=file]").set_input_files(
        files=FilePayload(name="stock.csv", mimeType="text/csv", buffer=CSV.encode("cp932"))
    )
    report = page.locator("#import-report")
    expect(report.get_by_role("status")).to_have_text(
        "Import finished (stock.csv): 1 added · 1 updated · 0 unchanged"
    )
    rejected = page.locator("#rejected-rows tbody tr")
    expect(rejected).to_have_count(3)
    expect(rejected.nth(0)).to_contain_text("3NEW 1A SKU is 1 to 64 letters")
    expect(rejected.nth(1)).to_contain_text("4SIDE-001The price is not a valid amount")
    expect(rejected.nth(2)).to_contain_text("5CHR-001Stock must be a whole number")
    expect(row(page, "VAS-001").get_by_label("Price")).to_have_value("9500")
    expect(row(page, "STL-001").get_by_label("Name in Japanese")).to_have_value("スツール")
    assert api.get("/stores/aoyama/stock/CHR-001").json()["quantity"] == 12
    page.screenshot(path=ARTIFACTS / "admin-catalogue-import.png", full_page=True)

    page.locator("#catalogue-csv input[type=file]").set_input_files(
        files=FilePayload(name="prices.csv", mimeType="text/csv", buffer=b"sku,colour\r\n")
    )
    expect(report.get_by_role("alert")).to_contain_text("nothing was changed")


def test_the_api_key_is_shown_only_on_request(app: RunningApp, page: Page) -> None:
    key = (app.data_dir / "api_key").read_text().strip()
    open_admin(page, app)
    shown = page.locator("#api-key")
    expect(shown).not_to_have_text(key)
    assert key not in page.content()
    page.get_by_role("button", name="Show the key").click()
    expect(shown).to_have_text(key)
    page.get_by_role("button", name="Hide the key").click()
    expect(shown).not_to_have_text(key)
    expect(page.get_by_role("link", name="OpenAPI description")).to_have_attribute(
        "href", "/api/catalogue/openapi.json"
    )


def test_staff_who_are_not_supervisors_are_refused(app: RunningApp, page: Page) -> None:
    log_in(page, app, "ken@showroom.example")
    page.wait_for_url(re.compile(r".*/staff.*"))
    page.goto(f"{app.url}{ADMIN_URL}")
    expect(page.locator("#forbidden")).to_be_visible()
    expect(page.get_by_role("heading", name="Products and stock")).to_have_count(0)
