"""A customer walks into the demo store and sees products with their live price and stock."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, RunningApp

SOFA_EN = "Hinoki three-seat sofa"


def wait_for_viewer(page: Page, scene: str = "") -> None:
    """Until the panorama (of `scene`, if given) has rendered."""
    selector = "[data-testid=panorama-viewer][data-ready='true']"
    if scene:
        selector += f"[data-panorama$='/{scene}/']"
    page.locator(selector).wait_for(timeout=30_000)


def view_in_degrees(page: Page) -> dict[str, float]:
    return page.evaluate(
        """() => { const p = window.__psv.getPosition();
                   return {yaw: p.yaw * 180 / Math.PI, pitch: p.pitch * 180 / Math.PI,
                           zoom: window.__psv.getZoomLevel()}; }"""
    )


def yaw_near(actual: float, expected: float, within: float = 1.0) -> bool:
    return abs((actual - expected + 180) % 360 - 180) <= within


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=Path(ARTIFACTS) / f"{name}.png")


def test_store_list_leads_into_the_tour_with_priced_hotspots(app: RunningApp, page: Page) -> None:
    # The sofa's stock as this test expects it: other tests sell sofas (a sale takes stock).
    key = (app.data_dir / "api_key").read_text().strip()
    httpx.put(
        f"{app.url}/api/catalogue/stores/aoyama/stock/SOFA-001",
        json={"quantity": 4},
        headers={"authorization": f"Bearer {key}"},
    ).raise_for_status()
    page.goto(app.url)
    expect(page.get_by_role("heading", name="Our stores")).to_be_visible()
    page.get_by_role("button", name="Enter the store").click()
    page.wait_for_url(re.compile(r".*/tour/aoyama/entrance/?$"))
    wait_for_viewer(page)
    page.get_by_role("navigation", name="Areas").get_by_role("button", name="Living room").click()
    page.wait_for_url(re.compile(r".*/tour/aoyama/living/?(\?.*)?$"))
    wait_for_viewer(page, "living")
    label = page.get_by_text(f"{SOFA_EN} · ¥248,000")
    expect(label).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=Path(ARTIFACTS) / "tour-living.png")

    label.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("#product-price")).to_have_text("¥248,000")
    expect(dialog.locator("#stock-here")).to_contain_text("In stock")


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
    expect(page.get_by_role("dialog").locator("#stock-here")).to_contain_text("Out of stock")


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
    here = dialog.locator("#stock-here")
    expect(here).to_contain_text("In stock")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    api = httpx.Client(
        base_url=f"{app.url}/api/catalogue",
        headers={"authorization": f"Bearer {(app.data_dir / 'api_key').read_text().strip()}"},
    )
    assert api.put("/stores/aoyama/stock/LAMP-002", json={"quantity": 0}).status_code == 200
    expect(here).to_contain_text("Out of stock", timeout=5_000)
    assert api.put("/products/LAMP-002/price", json={"price": 16800, "currency": "JPY"}).is_success
    expect(page.get_by_text("Brass table lamp · ¥16,800")).to_be_visible(timeout=5_000)
    expect(dialog.locator("#product-price")).to_have_text("¥16,800")
    assert navigations == []  # the same page, updated in place


def test_a_deep_link_opens_exactly_that_view_and_product(app: RunningApp, page: Page) -> None:
    page.goto(f"{app.url}/tour/aoyama/living?yaw=90&pitch=-10&zoom=60&product=SOFA-001")
    wait_for_viewer(page, "living")
    view = view_in_degrees(page)
    assert yaw_near(view["yaw"], 90) and abs(view["pitch"] + 10) < 1
    assert abs(view["zoom"] - 60) < 1
    dialog = page.get_by_role("dialog", name=SOFA_EN)
    expect(dialog.locator("#product-price")).to_have_text("¥248,000")
    # Photos of the product as it stands in the store, and stock in the other store too.
    expect(dialog.get_by_role("img", name=SOFA_EN).first).to_be_visible()
    expect(dialog.locator("#stock-elsewhere")).to_contain_text("Showroom Umeda")
    shot(page, "tour-deep-link-product")

    # Nonsense in a link is ignored, value by value: the scene opens at its own default.
    page.goto(f"{app.url}/tour/aoyama/living?yaw=north&pitch=999&zoom=-4&product=<b>")
    wait_for_viewer(page, "living")
    view = view_in_degrees(page)
    assert yaw_near(view["yaw"], 0) and abs(view["pitch"] - (-0.15 * 180 / 3.14159265)) < 1
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_share_copies_a_link_that_restores_the_view(app: RunningApp, browser_context) -> None:  # type: ignore[no-untyped-def]
    context = browser_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.pages[0]
    page.goto(f"{app.url}/tour/aoyama/living?yaw=20&pitch=5")
    wait_for_viewer(page, "living")
    # Its hotspot, opened where it is, by keyboard (the "Products here" menu would turn the
    # view to the product; at this view the navbar covers the label's middle).
    page.locator("[data-testid=panorama-viewer] [data-marker-id]", has_text=SOFA_EN).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name=SOFA_EN)).to_be_visible()
    page.get_by_role("button", name="Share this view").click()
    expect(page.get_by_text("Link copied")).to_be_visible()
    shot(page, "tour-share")
    shown = page.locator("#share-url").input_value()  # to copy by hand, too
    link = page.evaluate("() => navigator.clipboard.readText()")
    assert link == shown
    assert re.fullmatch(
        re.escape(app.url) + r"/tour/aoyama/living\?yaw=20&pitch=5&zoom=\d+&product=SOFA-001", link
    ), link

    other = context.new_page()
    other.goto(link)
    wait_for_viewer(other, "living")
    assert yaw_near(view_in_degrees(other)["yaw"], 20)
    expect(other.get_by_role("dialog", name=SOFA_EN)).to_be_visible()


def test_moving_between_scenes_keeps_the_sense_of_direction(app: RunningApp, page: Page) -> None:
    page.goto(f"{app.url}/tour/aoyama/living")
    wait_for_viewer(page, "living")
    plan = page.get_by_role("navigation", name="Floor plan")
    expect(plan.get_by_role("button", name="You are here: Living room")).to_be_visible()
    shot(page, "tour-floor-plan")
    # Dining lies west of the living room on the plan: one arrives facing west.
    plan.get_by_role("button", name="Go to Dining").click()
    page.wait_for_url(re.compile(r".*/tour/aoyama/dining\?yaw=-99.5&.*"))
    wait_for_viewer(page, "dining")
    assert yaw_near(view_in_degrees(page)["yaw"], -99.5)
    expect(page.locator("#plan-heading")).to_have_attribute("data-heading", "260.5")
    # Through a doorway (a scene link in the panorama), by keyboard: one arrives facing
    # the way the doorway led (north is at yaw 0 in every demo scene).
    door = page.evaluate(
        """() => { const markers = window.__psv.getPlugin('markers');
                   const door = markers.getMarkers().find((m) => m.config.html.includes('Living room'));
                   window.__psv.rotate(door.config.position);
                   return {id: door.id, yaw: door.config.position.yaw * 180 / Math.PI}; }"""
    )
    marker = page.locator(f"[data-marker-id='{door['id']}']")
    expect(marker).to_be_visible()
    marker.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/tour/aoyama/living\?yaw=.*"))
    wait_for_viewer(page, "living")
    assert yaw_near(view_in_degrees(page)["yaw"], door["yaw"], within=0.2)


def test_wish_list_survives_a_reload_and_works_by_keyboard(app: RunningApp, page: Page) -> None:
    page.goto(f"{app.url}/tour/aoyama/entrance")
    wait_for_viewer(page, "entrance")
    # Keyboard only: the product menu, then the panel's buttons.
    page.get_by_role("button", name="Products here").focus()
    page.keyboard.press("Enter")
    page.get_by_role("menuitem", name=re.compile("Ceramic vase")).focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Ceramic vase")
    expect(dialog).to_be_visible()
    expect(page.locator("#product-close")).to_be_focused()
    wish = dialog.get_by_role("button", name="Add to wish list")
    wish.focus()
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("button", name="On your wish list")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.reload()
    wait_for_viewer(page, "entrance")
    page.get_by_role("button", name="Wish list").click()
    kept = page.locator(".wish-item")
    expect(kept).to_have_count(1)
    expect(kept).to_contain_text("Ceramic vase")
    expect(kept).to_contain_text("¥9,800")
    shot(page, "tour-wish-list")
    kept.get_by_role("button", name="Show").click()
    expect(page.get_by_role("dialog", name="Ceramic vase")).to_be_visible()


def test_phone_sized_screen(app: RunningApp, page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{app.url}/tour/aoyama/living?product=SOFA-002")
    wait_for_viewer(page, "living")
    dialog = page.get_by_role("dialog", name="Kumo lounge chair")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box is not None and box["width"] <= 390 and box["x"] >= 0
    shot(page, "tour-phone-product")
    call = dialog.get_by_role("button", name="Call now")
    call.scroll_into_view_if_needed()
    expect(call).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(page.get_by_role("button", name="Talk to staff now")).to_be_in_viewport()
    shot(page, "tour-phone")


def test_stock_elsewhere_changes_live_and_events_are_recorded(app: RunningApp, page: Page) -> None:
    page.goto(f"{app.url}/tour/aoyama/living?product=SOFA-002")
    wait_for_viewer(page, "living")
    elsewhere = page.get_by_role("dialog").locator("#stock-elsewhere")
    expect(elsewhere).to_contain_text("In stock")
    api = httpx.Client(
        base_url=f"{app.url}/api/catalogue",
        headers={"authorization": f"Bearer {(app.data_dir / 'api_key').read_text().strip()}"},
    )
    assert api.put("/stores/umeda/stock/SOFA-002", json={"quantity": 0}).status_code == 200
    expect(elsewhere).to_contain_text("Out of stock", timeout=5_000)
    visitor = page.evaluate("() => localStorage.getItem('showroom_visitor')")
    assert visitor
    kinds = json.loads(
        app.python(
            "from sqlalchemy import select\n"
            "from showroom.db import session_scope\n"
            "from showroom.models import TourEvent\n"
            "with session_scope() as s:\n"
            "    import json\n"
            f"    print(json.dumps(sorted(set(s.scalars(select(TourEvent.kind).where(TourEvent.visitor_id == {visitor!r}))))))\n"
        )
    )
    assert {"scene_enter", "product_open"} <= set(kinds), kinds


def test_asking_staff_from_the_panel_takes_the_product_and_view(
    app: RunningApp, page: Page
) -> None:
    page.goto(f"{app.url}/tour/aoyama/living?yaw=30&pitch=-10&product=SOFA-001")
    wait_for_viewer(page, "living")
    dialog = page.get_by_role("dialog", name=SOFA_EN)
    dialog.get_by_role("button", name="Book a video call").click()
    page.wait_for_url(
        re.compile(r".*/book/aoyama\?product=\d+&scene=living&yaw=0\.523\d&pitch=-0\.174\d")
    )

    page.goto(f"{app.url}/tour/aoyama/living?yaw=30&pitch=-10&product=SOFA-001")
    wait_for_viewer(page, "living")
    page.get_by_role("dialog", name=SOFA_EN).get_by_role("button", name="Call now").click()
    page.locator("#call-start").click()
    page.wait_for_url(re.compile(r".*/call/.+"))
    asked = json.loads(
        app.python(
            "import json\n"
            "from sqlalchemy import select\n"
            "from consult.models import Consultation\n"
            "from showroom.db import session_scope\n"
            "from showroom.models import Product\n"
            "with session_scope() as s:\n"
            "    c = s.scalars(select(Consultation).order_by(Consultation.id.desc())).first()\n"
            "    print(json.dumps({'sku': s.get(Product, c.product_id).sku, 'view': c.tour_view}))\n"
        )
    )
    assert asked["sku"] == "SOFA-001"
    assert asked["view"]["scene"] == "living"
    assert abs(asked["view"]["yaw"] - 0.5236) < 0.01 and abs(asked["view"]["pitch"] + 0.1745) < 0.01


def test_a_shared_tour_link_shows_the_scene_name_and_its_view(app: RunningApp) -> None:
    """What a chat app shows for a pasted tour link: it runs no script, it reads the HTML."""
    page = httpx.get(f"{app.url}/tour/aoyama/living").text
    head = page[: page.index("</head>")]
    title = re.search(r'<meta property="og:title" content="([^"]+)"/>', head)
    assert title is not None and title.group(1).startswith("Living room · ")
    assert "リビング" in title.group(1)
    image = re.search(r'<meta property="og:image" content="([^"]+)"/>', head)
    assert image is not None and image.group(1).startswith(f"{app.url}/media/panoramas/")
    picture = httpx.get(image.group(1))
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"


PAINT_AND_CODE = """() => {
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const code = performance.getEntriesByType("resource")
    .filter((r) => new URL(r.name).pathname.startsWith("/assets/") && r.name.endsWith(".js"));
  const names = performance.getEntriesByType("resource").map((r) => r.name);
  return {paint: paint ? paint.startTime : null, code: Math.min(...code.map((r) => r.startTime)),
          chunks: code.length, twice: names.filter((n, i) => names.indexOf(n) !== i),
          after: window.__codeAfter};
}"""


def test_pages_paint_before_their_code_loads_and_then_work(app: RunningApp, page: Page) -> None:
    """On a slow phone the page's own text and the scene's preview are on screen before any of
    the app's code is asked for (showroom/paint_first.py); the page then works as before."""
    page.goto(f"{app.url}/")
    expect(page.get_by_role("link", name="Enter the store").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    home = page.evaluate(PAINT_AND_CODE)
    assert home["paint"] is not None and home["chunks"] > 10
    assert home["paint"] <= home["code"], home
    # Hydrated: the language switch, which needs the app's code and its socket, works.
    page.locator("#language-switch").click()
    expect(page.get_by_role("link", name="店内に入る").first).to_be_visible()
    page.locator("#language-switch").click()
    page.goto(f"{app.url}/tour/aoyama/living")
    wait_for_viewer(page, "living")
    tour = page.evaluate(PAINT_AND_CODE)
    assert tour["paint"] is not None and tour["paint"] <= tour["code"], tour
    # Preloaded as the page then asks for it: nothing is fetched twice.
    assert home["twice"] == tour["twice"] == [], (home["twice"], tour["twice"])
    # A dynamic route's page has nothing to show before its code runs: its code goes at its
    # first paint, not after the fallback's wait.
    page.goto(f"{app.url}/book/aoyama")
    expect(page.locator("#booking-submit")).to_be_visible()
    for opened in (home, tour, page.evaluate(PAINT_AND_CODE)):
        assert opened["after"] == "paint", opened
