"""A customer walks into the demo store and sees products with their live price and stock."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, RunningApp

SOFA_EN = "Hinoki three-seat sofa"


def wait_for_viewer(page: Page) -> None:
    page.locator("[data-testid=panorama-viewer][data-ready='true']").wait_for(timeout=30_000)


def test_store_list_leads_into_the_tour_with_priced_hotspots(app: RunningApp, page: Page) -> None:
    page.goto(app.url)
    expect(page.get_by_role("heading", name="Our stores")).to_be_visible()
    page.get_by_role("button", name="Enter the store").click()
    page.wait_for_url(re.compile(r".*/tour/aoyama/entrance/?$"))
    wait_for_viewer(page)
    page.get_by_role("button", name="Living room").click()
    page.wait_for_url(re.compile(r".*/tour/aoyama/living/?$"))
    wait_for_viewer(page)
    label = page.get_by_text(f"{SOFA_EN} · ¥248,000")
    expect(label).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=Path(ARTIFACTS) / "tour-living.png")

    label.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("#product-price")).to_have_text("¥248,000")
    expect(dialog.get_by_text("In stock")).to_be_visible()


def test_price_and_stock_come_from_the_database(app: RunningApp, page: Page) -> None:
    app.python(
        "from sqlalchemy import update\n"
        "from showroom.db import session_scope\n"
        "from showroom.models import Product, Stock\n"
        "with session_scope() as s:\n"
        "    s.execute(update(Product).where(Product.sku == 'LAMP-001').values(price=29500))\n"
        "    pid = s.query(Product.id).filter(Product.sku == 'LAMP-001').scalar()\n"
        "    s.execute(update(Stock).where(Stock.product_id == pid).values(quantity=0))\n"
    )
    page.goto(f"{app.url}/tour/aoyama/living")
    wait_for_viewer(page)
    label = page.get_by_text("Washi floor lamp · ¥29,500")
    expect(label).to_be_visible()
    label.click()
    expect(page.get_by_role("dialog").get_by_text("Out of stock")).to_be_visible()


def test_japanese_browser_sees_japanese_and_can_switch(app: RunningApp, browser_context) -> None:  # type: ignore[no-untyped-def]
    context = browser_context(locale="ja-JP")
    page = context.pages[0]
    page.goto(f"{app.url}/tour/aoyama/living")
    wait_for_viewer(page)
    expect(page.get_by_text("ヒノキ 3人掛けソファ · ¥248,000")).to_be_visible()
    expect(page.get_by_role("button", name="今すぐスタッフと話す")).to_be_visible()
    page.screenshot(path=Path(ARTIFACTS) / "tour-living-ja.png")
    page.locator("#language-switch").click()
    expect(page.get_by_text(f"{SOFA_EN} · ¥248,000")).to_be_visible()
    expect(page.get_by_role("button", name="Talk to staff now")).to_be_visible()


def test_unknown_scene_says_so(app: RunningApp, page: Page) -> None:
    page.goto(f"{app.url}/tour/aoyama/attic")
    expect(page.get_by_role("alert")).to_have_text("This store or scene does not exist.")


def test_changes_over_the_pos_api_show_in_an_open_tour_without_reload(
    app: RunningApp, page: Page
) -> None:
    page.goto(f"{app.url}/tour/aoyama/living")
    wait_for_viewer(page)
    page.get_by_text("Brass table lamp · ¥18,500").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("In stock")).to_be_visible()
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    api = httpx.Client(
        base_url=f"{app.url}/api/catalogue",
        headers={"authorization": f"Bearer {(app.data_dir / 'api_key').read_text().strip()}"},
    )
    assert api.put("/stores/aoyama/stock/LAMP-002", json={"quantity": 0}).status_code == 200
    expect(dialog.get_by_text("Out of stock")).to_be_visible(timeout=5_000)
    assert api.put("/products/LAMP-002/price", json={"price": 16800, "currency": "JPY"}).is_success
    expect(page.get_by_text("Brass table lamp · ¥16,800")).to_be_visible(timeout=5_000)
    expect(dialog.locator("#product-price")).to_have_text("¥16,800")
    assert navigations == []  # the same page, updated in place
