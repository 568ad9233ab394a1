"""axe-core (pinned, from npm) on every page, in English and Japanese, at desktop and phone
width: any critical or serious WCAG 2.1 A/AA violation fails, naming the rule and the elements.
Plus what a screen reader and a keyboard user need that axe cannot see: <html lang> follows the
chosen language and the skip link leads past the header."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.app_server import ROOT
from tests.e2e.conftest import ARTIFACTS, ContextFactory, RunningApp, log_in
from tests.e2e.test_commerce import (
    CUSHION,
    add_to_cart,
    call_between,
    set_stock_and_price,
    show_product,
)
from tests.e2e.test_tour import wait_for_viewer

AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LOCALES = {"en": "en-GB", "ja": "ja-JP"}
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}

# Path → what shows once the page has its data (axe checks what a person would see).
PUBLIC_PAGES = {
    "/": "a[href^='/tour/']",
    "/tour/aoyama/living?product=SOFA-001": "#product-price",
    "/book/aoyama": "#booking-days",
    "/login": "#email",
}
SUPERVISOR_PAGES = {
    "/staff": "#availability",
    "/staff/orders": "#orders-revenue",
    "/supervisor": "#staff-board",
    "/admin": "#scenes",
    "/admin/catalogue": "#catalogue-table",
    "/admin/commerce": "#rules-save",
    "/supervisor/numbers": "#kpi-show",
    "/recordings": "#filter-apply",
}
READY_AFTER_RELOAD = {
    "customer call": "#chat-log .payment-card",
    "staff call": "#product-search",
    "pay": "#pay-total",
}

AUDIT = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id} (${v.help}): ` +
                v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(", "));
}"""


def shot(page: Page, name: str) -> None:
    """Each audited page as it looked, to be looked at (test-artifacts/a11y/)."""
    folder = ARTIFACTS / "a11y"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".png"))


def serious_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return list(page.evaluate(AUDIT, WCAG_21_AA))


def use_language(page: Page, app: RunningApp, lang: str) -> None:
    page.context.add_cookies([{"name": "showroom_lang", "value": lang, "url": app.url}])


def choose_language(page: Page, lang: str) -> None:
    """With the header's switch, if the page is in the other language."""
    html = page.locator("html")
    page.locator("#language-switch").wait_for()
    if html.get_attribute("lang") != lang:
        page.locator("#language-switch").click()
    expect(html).to_have_attribute("lang", lang)


def audit_pages(
    app: RunningApp, browser_context: ContextFactory, pages: dict[str, str], email: str = ""
) -> None:
    found: dict[str, list[str]] = {}
    for lang, locale in LOCALES.items():
        page = browser_context(locale=locale).pages[0]
        if email:  # the login form in English, as log_in knows it, then the page's language
            use_language(page, app, "en")
            log_in(page, app, email)
            page.wait_for_url(re.compile(r".*/(staff|supervisor)/?$"))
            # Logged in, the state already holds English: switch as a person does (a cookie
            # changed behind the page's back can be written over by the page's own state),
            # once the board shows its data (before that, the page is its prerendered copy).
            expect(page.locator("#staff-board").get_by_text("Mia Tanaka")).to_be_visible()
            choose_language(page, lang)
        else:
            use_language(page, app, lang)
        for width_name, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            for path, ready in pages.items():
                page.goto(f"{app.url}{path}")
                page.locator(ready).first.wait_for(timeout=30_000)
                if path.startswith("/tour/"):
                    wait_for_viewer(page)
                expect(page.locator("html")).to_have_attribute("lang", lang)
                violations = serious_violations(page)
                if violations:
                    found[f"{path} [{lang}, {width_name}]"] = violations
                shot(page, f"{path}-{lang}-{width_name}")
    assert not found, "\n".join(f"{where}:\n  " + "\n  ".join(v) for where, v in found.items())


def test_public_pages_have_no_serious_violations(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    audit_pages(app, browser_context, PUBLIC_PAGES)


def test_staff_and_admin_pages_have_no_serious_violations(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    audit_pages(app, browser_context, SUPERVISOR_PAGES, email="yuki@showroom.example")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_html_lang_follows_the_language_switch(app: RunningApp, page: Page, lang: str) -> None:
    other = "ja" if lang == "en" else "en"
    use_language(page, app, lang)
    page.goto(f"{app.url}/login")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.locator("#language-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", other)


def test_the_first_tab_stop_skips_the_header(app: RunningApp, page: Page) -> None:
    page.goto(f"{app.url}/login")
    page.locator("#email").wait_for()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#email")).to_be_focused()


def audit_here(pages: dict[str, Page], lang: str, found: dict[str, list[str]]) -> None:
    for width_name, (width, height) in WIDTHS.items():
        for name, page in pages.items():
            page.set_viewport_size({"width": width, "height": height})
            expect(page.locator("html")).to_have_attribute("lang", lang)
            violations = serious_violations(page)
            if violations:
                found[f"{name} [{lang}, {width_name}]"] = violations
            shot(page, f"{name}-{lang}-{width_name}")


def test_call_and_pay_pages_have_no_serious_violations(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    set_stock_and_price(app, "CUS-001", 30, 4800)
    customer, staff, _call_id = call_between(app, browser_context, "mia@showroom.example", "Mori")
    show_product(staff, "linen", CUSHION)
    add_to_cart(customer, CUSHION)
    staff.locator("#request-payment").click()
    expect(customer.locator(".payment-card")).to_be_visible()
    pay = browser_context().pages[0]
    card = customer.locator(".payment-card").last
    href = card.locator("a").filter(has=customer.locator("#pay-link")).get_attribute("href")
    assert href, "the payment card has no pay link"
    pay.goto(href)
    expect(pay.locator("#pay-total")).to_have_text("¥4,800", timeout=15_000)
    pages = {"customer call": customer, "staff call": staff, "pay": pay}

    found: dict[str, list[str]] = {}
    audit_here(pages, "en", found)
    for name, page in pages.items():
        use_language(page, app, "ja")
        page.reload()
        page.locator(READY_AFTER_RELOAD[name]).wait_for(timeout=30_000)
    audit_here(pages, "ja", found)
    assert not found, "\n".join(f"{where}:\n  " + "\n  ".join(v) for where, v in found.items())
