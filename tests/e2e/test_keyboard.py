"""The tour with the keyboard only (Tab, Shift+Tab, Enter, arrows, Escape): a product out of
view through "Products here", its panel as a modal dialog (focus in, kept in, Escape, focus
back), and a scene change."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import RunningApp
from tests.e2e.test_tour import SOFA_EN, wait_for_viewer

MAX_TABS = 60


def has_focus(target: Locator) -> bool:
    return bool(target.evaluate("el => el === document.activeElement"))


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until `target` has focus, as a keyboard user would."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if has_focus(target):
            return
    raise AssertionError(f"{target} not reached in {MAX_TABS} presses of Tab")


def focus_is_inside(page: Page, selector: str) -> bool:
    return bool(page.evaluate(f"() => !!document.activeElement?.closest({selector!r})"))


def test_a_product_out_of_view_by_keyboard_and_back(app: RunningApp, page: Page) -> None:
    # Looking away from the sofa: its hotspot is not on screen.
    page.goto(f"{app.url}/tour/aoyama/living?yaw=200&pitch=0")
    wait_for_viewer(page, "living")
    tab_to(page, page.locator("#products-here"))
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu")
    expect(menu).to_be_visible()
    page.keyboard.press("ArrowDown")
    item = page.get_by_role("menuitem", name=re.compile(SOFA_EN))
    for _ in range(10):
        if has_focus(item):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")

    dialog = page.get_by_role("dialog", name=SOFA_EN)
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    page.wait_for_function("() => !!document.activeElement?.closest('#product-panel')")
    for _ in range(12):  # round and round, never out
        page.keyboard.press("Tab")
        assert focus_is_inside(page, "#product-panel")
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
        assert focus_is_inside(page, "#product-panel")

    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(page.locator("#products-here")).to_be_focused()


def test_escape_closes_the_panel_with_focus_anywhere(app: RunningApp, page: Page) -> None:
    page.goto(f"{app.url}/tour/aoyama/living?product=SOFA-001")
    wait_for_viewer(page, "living")
    dialog = page.get_by_role("dialog", name=SOFA_EN)
    expect(dialog).to_be_visible()
    page.evaluate("() => document.activeElement?.blur()")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)


def test_changing_scene_by_keyboard(app: RunningApp, page: Page) -> None:
    page.goto(f"{app.url}/tour/aoyama/living")
    wait_for_viewer(page, "living")
    areas = page.get_by_role("navigation", name="Areas")
    tab_to(page, areas.get_by_role("button", name="Entrance"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/tour/aoyama/entrance/?(\?.*)?$"))
    wait_for_viewer(page, "entrance")


def test_hotspots_are_named_with_price_and_stock(app: RunningApp, page: Page) -> None:
    page.goto(f"{app.url}/tour/aoyama/living?yaw=0&pitch=0")
    wait_for_viewer(page, "living")
    stock = "(In stock|Only a few left|Out of stock)"  # other tests sell sofas
    hotspot = page.get_by_role("button", name=re.compile(rf"^{SOFA_EN} · ¥[\d,]+, {stock}$"))
    expect(hotspot.first).to_be_attached()


def test_booking_days_and_times_are_one_tab_stop_each_with_arrows(
    app: RunningApp, page: Page
) -> None:
    page.goto(f"{app.url}/book/aoyama")
    days = page.locator("#booking-days [role=radio]")
    expect(days.first).to_be_visible()
    tab_to(page, days.first)  # the first day takes Tab while none is chosen
    page.keyboard.press("ArrowRight")
    second = days.nth(1)
    expect(second).to_be_focused()
    expect(second).to_have_attribute("aria-checked", "true")
    expect(page.locator("#booking-days [tabindex='0']")).to_have_count(1)

    # Tab leaves the group at once, into the times; arrows choose a time.
    slots = page.locator("#booking-slots [role=radio]")
    expect(slots.first).to_be_visible()
    page.keyboard.press("Tab")
    expect(slots.first).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    expect(slots.first).to_have_attribute("aria-checked", "true")
    expect(page.locator("#booking-chosen")).to_be_visible()
    page.keyboard.press("Shift+Tab")  # back to the chosen day, not the last one
    expect(second).to_be_focused()
