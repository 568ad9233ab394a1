"""Every route string, and builders for the dynamic ones."""

from urllib.parse import unquote, urlencode

INDEX = "/"
TOUR = "/tour/[store_slug]/[scene_slug]"
CALL = "/call/[call_token]"
LOGIN = "/login"
STAFF = "/staff"
STAFF_CALL = "/staff/call/[consultation_id]"
SUPERVISOR = "/supervisor"
SUPERVISOR_CALL = "/supervisor/call/[consultation_id]"
SUPERVISOR_KPIS = "/supervisor/numbers"
SUPERVISOR_TOURS = "/supervisor/tours"
PAY = "/pay/[pay_token]"
ORDER = "/order/[order_token]"
ORDERS = "/staff/orders"
ORDER_DETAIL = "/staff/orders/[order_id]"
BOOK = "/book/[store_slug]"
BOOKING_CONFIRMED = "/booking/confirmed/[booking_token]"
BOOKING_JOIN = "/booking/join/[booking_token]"
BOOKING_RESCHEDULE = "/booking/reschedule/[booking_token]"
BOOKING_CANCEL = "/booking/cancel/[booking_token]"
ADMIN = "/admin"
RECORDINGS = "/recordings"
RECORDING = "/recordings/[recording_id]"

MEDIA = "/media"
API = "/api"
LOGIN_POST = "/api/session/login"
LOGOUT = "/api/session/logout"


def tour(
    store_slug: str,
    scene_slug: str,
    *,
    yaw: float | None = None,
    pitch: float | None = None,
    zoom: float | None = None,
    product: str | None = None,
) -> str:
    """A tour scene; with a view (degrees, zoom 0-100) and an open product, a deep link."""
    path = f"/tour/{store_slug}/{scene_slug}"
    query = [
        (name, f"{round(value, 1):g}")
        for name, value in (("yaw", yaw), ("pitch", pitch), ("zoom", zoom))
        if value is not None
    ]
    if product:
        query.append(("product", product))
    return path + ("?" + urlencode(query) if query else "")


def call(token: str) -> str:
    return f"/call/{token}"


def path_params(pattern: str, path: str) -> dict[str, str]:
    """A dynamic route's values by name from the browser's path: path_params(TOUR,
    "/tour/aoyama/living") -> {"store_slug": "aoyama", "scene_slug": "living"}; {} when the
    path is not of that route. (Reflex's `router.page.params` is deprecated.)"""
    names = pattern.strip("/").split("/")
    parts = path.split("?", 1)[0].strip("/").split("/")
    if len(names) != len(parts):
        return {}
    values = {}
    for name, part in zip(names, parts, strict=True):
        if name.startswith("[") and name.endswith("]"):
            values[name[1:-1]] = unquote(part)
        elif name != part:
            return {}
    return values


def last_segment(path: str) -> str:
    """A dynamic route's value from the browser's path (/pay/<token> -> <token>)."""
    return path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def order_detail(order_id: int) -> str:
    return f"/staff/orders/{order_id}"


def staff_call(consultation_id: int) -> str:
    return f"/staff/call/{consultation_id}"


def login(next_path: str = "") -> str:
    return f"{LOGIN}?next={next_path}" if next_path else LOGIN


def calendar_feed(token: str) -> str:
    return f"/api/staff/calendar/{token}.ics"


def book(store_slug: str, product_id: int | None = None) -> str:
    return f"/book/{store_slug}" + (f"?product={product_id}" if product_id else "")


def booking_confirmed(token: str) -> str:
    return f"/booking/confirmed/{token}"


def booking_join(token: str) -> str:
    return f"/booking/join/{token}"


def booking_reschedule(token: str) -> str:
    return f"/booking/reschedule/{token}"


def booking_cancel(token: str) -> str:
    return f"/booking/cancel/{token}"


ADMIN_CATALOGUE = "/admin/catalogue"
ADMIN_COMMERCE = "/admin/commerce"


def recording(recording_id: int | str) -> str:
    return f"/recordings/{recording_id}"


def supervisor_call(consultation_id: int) -> str:
    return f"/supervisor/call/{consultation_id}"
