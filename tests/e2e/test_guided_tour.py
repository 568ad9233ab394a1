"""Guided tour in a call: staff steer, the customer's panorama follows (scene, turning, zoom,
a pointed-out product); the customer takes control and hands it back; stop hides it."""

from __future__ import annotations

import json
import math
import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, ContextFactory, RunningApp, log_in

WAIT = 60_000  # the machine running the tests may be busy: generous, never a timing assertion
CUSTOMER_VIEWER = "#guide-viewer-customer"
STAFF_VIEWER = "#guide-viewer-staff"


def position(page: Page) -> dict[str, float]:
    """The live viewer's position (window.__psv: the page's one Photo Sphere Viewer)."""
    result: dict[str, float] = page.evaluate(
        "() => ({...window.__psv.getPosition(), zoom: window.__psv.getZoomLevel()})"
    )
    return result


def wait_for_view(page: Page, yaw: float, pitch: float, zoom: float) -> None:
    try:
        _wait_for_view(page, yaw, pitch, zoom)
    except Exception as error:
        raise AssertionError(f"view {position(page)} is not {yaw, pitch, zoom}") from error


def _wait_for_view(page: Page, yaw: float, pitch: float, zoom: float) -> None:
    page.wait_for_function(
        """([yaw, pitch, zoom]) => {
            const v = window.__psv; if (!v) return false;
            const p = v.getPosition();
            const dy = Math.abs(Math.atan2(Math.sin(p.yaw - yaw), Math.cos(p.yaw - yaw)));
            return dy < 0.02 && Math.abs(p.pitch - pitch) < 0.02
                && Math.abs(v.getZoomLevel() - zoom) < 1;
        }""",
        arg=[yaw, pitch, zoom],
        timeout=WAIT,
    )


def turn(page: Page, yaw: float, pitch: float, zoom: float) -> None:
    """Staff turn and zoom their viewer as a drag and a scroll would."""
    page.evaluate(
        "([yaw, pitch, zoom]) => { window.__psv.rotate({yaw, pitch}); window.__psv.zoom(zoom); }",
        [yaw, pitch, zoom],
    )


def latest_seq(page: Page) -> int:
    return int(page.locator("#guided-tour").get_attribute("data-latest-seq") or 0)


def guide_events(app: RunningApp, consultation_id: int) -> list[str]:
    out = app.python(
        "import json\nfrom showroom.db import session_scope\n"
        "from consult.calls.events import events_of\n"
        f"with session_scope() as s: print(json.dumps([e.kind for e in events_of(s, {consultation_id})"
        " if e.kind.startswith('guide')]))"
    )
    return list(json.loads(out))


def start_call(app: RunningApp, customer: Page, staff: Page) -> int:
    customer.goto(f"{app.url}/tour/aoyama/living")
    customer.locator("[data-testid=panorama-viewer][data-ready='true']").wait_for(timeout=WAIT)
    customer.locator("#call-now").click()
    customer.locator("#call-start").click()  # no name given: optional
    customer.wait_for_url(re.compile(r".*/call/[^/]+/?$"))
    expect(customer.get_by_role("heading", name="Video consultation")).to_be_visible(timeout=WAIT)
    walk_in = app.python(
        "from sqlalchemy import func, select\nfrom showroom.db import session_scope\n"
        "from consult.models import Consultation\n"
        "with session_scope() as s: print(s.scalar(select(func.max(Consultation.id))"
        ".where(Consultation.booking_id.is_(None))))"
    )
    log_in(staff, app, "aiko@showroom.example")
    staff.wait_for_url(re.compile(r".*/staff/?$"))
    staff.goto(f"{app.url}/staff/call/{walk_in}")
    expect(staff.locator("#guide-start")).to_be_visible(timeout=WAIT)
    return int(walk_in)


def test_staff_guide_the_customers_view(app: RunningApp, browser_context: ContextFactory) -> None:
    customer = browser_context().pages[0]
    staff = browser_context().pages[0]
    for page in (customer, staff):
        page.context.set_default_timeout(WAIT)
    consultation_id = start_call(app, customer, staff)
    # No guide yet: the customer sees no panorama.
    expect(customer.locator("#guided-tour")).to_have_attribute("data-active", "false", timeout=WAIT)
    expect(customer.locator(CUSTOMER_VIEWER)).to_have_count(0, timeout=WAIT)

    staff.locator("#guide-start").click()
    staff.locator(f"{STAFF_VIEWER}[data-ready='true']").wait_for(timeout=WAIT)
    customer.locator(f"{CUSTOMER_VIEWER}[data-ready='true']").wait_for(timeout=WAIT)
    expect(customer.locator("#guide-holder")).to_have_text(
        "Staff are showing you around.", timeout=WAIT
    )
    expect(staff.locator("#guide-holder")).to_have_text(
        "The customer sees what you see.", timeout=WAIT
    )

    # Turning and zooming: the customer's view follows.
    turn(staff, 2.0, 0.15, 70)
    wait_for_view(customer, 2.0, 0.15, 70)

    # Another area: the customer's panorama changes with it.
    staff.locator(".guide-scene", has_text="Dining").click()
    dining = re.compile(r"/aoyama/dining/$")
    expect(staff.locator(STAFF_VIEWER)).to_have_attribute("data-panorama", dining, timeout=WAIT)
    expect(customer.locator(CUSTOMER_VIEWER)).to_have_attribute(
        "data-panorama", dining, timeout=WAIT
    )
    turn(staff, 1.0, -0.1, 55)
    wait_for_view(customer, 1.0, -0.1, 55)

    # Pointing out a product: it pulses on the customer's screen.
    product = staff.locator(f"{STAFF_VIEWER} .showroom-psv-pill").first
    marker_id = product.get_attribute("data-marker-id")
    staff.evaluate("id => window.__psv.getPlugin('markers').gotoMarker(id, 1)", marker_id)
    product.click()
    expect(customer.locator(CUSTOMER_VIEWER)).to_have_attribute(
        "data-highlight", marker_id or "", timeout=WAIT
    )
    highlighted = customer.locator(f"{CUSTOMER_VIEWER} [data-marker-id='{marker_id}']")
    expect(highlighted).to_have_css("outline-style", "solid", timeout=WAIT)
    staff_view = position(staff)
    wait_for_view(customer, staff_view["yaw"], staff_view["pitch"], staff_view["zoom"])
    customer.screenshot(path=ARTIFACTS / "guide-customer.png", timeout=WAIT)
    staff.screenshot(path=ARTIFACTS / "guide-staff.png", timeout=WAIT)

    # The customer takes control: staff moves no longer move them, and staff are told.
    customer.locator("#guide-take-control").click()
    expect(customer.locator("#guide-holder")).to_have_text(
        "You are looking around on your own.", timeout=WAIT
    )
    expect(staff.locator("#guide-holder")).to_have_text(
        "The customer is looking around on their own.", timeout=WAIT
    )
    own = position(customer)
    seen = latest_seq(customer)
    turn(staff, 4.0, 0.3, 40)
    customer.wait_for_function(
        "n => Number(document.querySelector('#guided-tour').dataset.latestSeq) > n",
        arg=seen,
        timeout=WAIT,
    )
    after = position(customer)
    assert math.isclose(after["yaw"], own["yaw"], abs_tol=1e-3)
    assert math.isclose(after["zoom"], own["zoom"], abs_tol=0.5)
    customer.screenshot(path=ARTIFACTS / "guide-customer-in-control.png", timeout=WAIT)

    # Handing back: the customer's view goes where staff are looking now.
    customer.locator("#guide-follow").click()
    expect(staff.locator("#guide-holder")).to_have_text(
        "The customer sees what you see.", timeout=WAIT
    )
    wait_for_view(customer, 4.0, 0.3, 40)

    # Dragging the panorama also takes control.
    box = customer.locator(CUSTOMER_VIEWER).bounding_box()
    assert box is not None
    customer.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    customer.mouse.down()
    customer.mouse.move(box["x"] + box["width"] / 2 - 120, box["y"] + box["height"] / 2, steps=8)
    customer.mouse.up()
    expect(customer.locator("#guide-holder")).to_have_text(
        "You are looking around on your own.", timeout=WAIT
    )
    customer.locator("#guide-follow").click()
    wait_for_view(customer, 4.0, 0.3, 40)

    # A reload puts the customer back in the tour, where staff are looking.
    customer.reload()
    customer.locator(f"{CUSTOMER_VIEWER}[data-ready='true']").wait_for(timeout=WAIT)
    expect(customer.locator(CUSTOMER_VIEWER)).to_have_attribute(
        "data-panorama", dining, timeout=WAIT
    )
    wait_for_view(customer, 4.0, 0.3, 40)

    # In Japanese, every word of the panel is translated.
    customer.locator("#language-switch").click()
    expect(customer.locator("#guide-holder")).to_have_text(
        "スタッフがご案内しています。", timeout=WAIT
    )
    expect(customer.locator("#guide-take-control")).to_have_text("自分で見て回る", timeout=WAIT)
    customer.screenshot(path=ARTIFACTS / "guide-customer-ja.png", timeout=WAIT)

    # The same link opened afresh (a new tab: a new page state) asks for the tour's view.
    second = customer.context.new_page()
    second.goto(customer.url, timeout=WAIT)
    second.locator(f"{CUSTOMER_VIEWER}[data-ready='true']").wait_for(timeout=WAIT)
    expect(second.locator(CUSTOMER_VIEWER)).to_have_attribute("data-panorama", dining, timeout=WAIT)
    wait_for_view(second, 4.0, 0.3, 40)
    second.close()

    # Stop: the panorama goes away on the customer's side.
    staff.locator("#guide-stop").click()
    expect(customer.locator("#guided-tour")).to_have_attribute("data-active", "false", timeout=WAIT)
    expect(customer.locator(CUSTOMER_VIEWER)).to_have_count(0, timeout=WAIT)
    expect(staff.locator("#guide-start")).to_be_visible(timeout=WAIT)
    events = guide_events(app, consultation_id)
    assert (events[0], events[-1]) == ("guide_started", "guide_stopped")
    assert set(events[1:-1]) == {"guide_moved"}  # each area staff took the customer to
