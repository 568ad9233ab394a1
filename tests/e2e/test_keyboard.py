"""The tour with the keyboard only (Tab, Shift+Tab, Enter, arrows, Escape): a product out of
view through "Products here", its panel as a modal dialog (focus in, kept in, Escape, focus
back), a scene change, the tab order over the panorama, and a call's controls."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import ContextFactory, RunningApp
from tests.e2e.test_call_media import call_in_lobbies, sees_the_other_side
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


def test_tab_reaches_the_scenes_and_call_buttons_before_the_viewer(
    app: RunningApp, page: Page
) -> None:
    """The bar drawn above the panorama comes first in the tab order, then the viewer."""
    page.goto(f"{app.url}/tour/aoyama/living")
    wait_for_viewer(page, "living")
    order: list[str] = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        order.append(
            page.evaluate(
                """() => { const el = document.activeElement;
                           if (el.closest("[data-testid=panorama-viewer]")) return "viewer";
                           return el.id || el.textContent.trim(); }"""
            )
        )
        if order[-1] == "viewer":
            break
    assert order[-1] == "viewer", order
    for before_the_viewer in ("Entrance", "Living room", "products-here", "call-now"):
        assert before_the_viewer in order, order


def test_the_call_controls_by_keyboard_and_what_a_screen_reader_hears(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    _, customer, staff = call_in_lobbies(app, browser_context)
    tab_to(customer, customer.locator("#lobby-join"))
    customer.keyboard.press("Enter")
    announcer = customer.locator("#call-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_have_text("")
    staff.locator("#lobby-join").click()
    sees_the_other_side(customer)
    expect(announcer).to_have_text(re.compile(r"joined the call\.$"))

    # Space and Enter press the toolbar's buttons; staff see the effect.
    tab_to(customer, customer.locator("#call-mute"))
    customer.keyboard.press("Space")
    expect(customer.locator("#call-mute")).to_have_attribute("aria-pressed", "true")
    expect(staff.locator("#peer-muted")).to_be_visible(timeout=10_000)
    customer.keyboard.press("Enter")
    expect(customer.locator("#call-mute")).to_have_attribute("aria-pressed", "false")
    customer.keyboard.press("Tab")
    expect(customer.locator("#call-camera")).to_be_focused()
    customer.keyboard.press("Space")
    expect(staff.locator("#peer-camera-off")).to_be_visible(timeout=10_000)
    customer.keyboard.press("Space")
    expect(staff.locator("#peer-camera-off")).to_have_count(0, timeout=10_000)

    # The chat: typed and sent with Enter; it arrives in the other side's log (a live region).
    tab_to(customer, customer.locator("#chat-input"))
    customer.keyboard.type("Can I see the oak table?")
    customer.keyboard.press("Enter")
    log = staff.locator("#chat-log")
    expect(log).to_have_attribute("role", "log")
    expect(log.get_by_text("Can I see the oak table?")).to_be_visible()

    # Staff leave: the customer's screen reader is told.
    staff.locator("#call-leave").click()
    expect(announcer).to_have_text(re.compile(r"left the call\.$"), timeout=15_000)

    # Back to the toolbar with Shift+Tab, and out of the call with Enter.
    for _ in range(MAX_TABS):
        if has_focus(customer.locator("#call-leave")):
            break
        customer.keyboard.press("Shift+Tab")
    customer.keyboard.press("Enter")
    expect(customer.locator("#media-left")).to_have_text("You left the call.")
