"""Every Reflex event the browser can call, with who may call it: the other half of the
authorisation matrix (the API routes are in test_authorization_matrix.py).

Reflex makes every public method of a state an event any browser can send by name. So a new
event (or a helper someone forgot to make private) without a row here fails this test, and
whoever adds the row says who may call it. What each row promises is tested where it is
kept: customer links and roles in tests/e2e/test_access.py and the pages' e2e tests, staff
in charge of a call in tests/e2e/test_hardening.py and tests/unit/calls/test_in_charge.py,
supervisors in tests/e2e/test_admin*.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

ANYONE = "anyone"  # public pages: the tour, booking, the language switch
LINK = "the customer with this object's signed link"
STAFF = "logged-in staff of the store"
IN_CHARGE = "the staff member the call is with now (or the customer with its link)"
SUPERVISOR = "a supervisor of the store"

EVENTS: dict[str, tuple[str, set[str]]] = {
    "SessionState": (ANYONE, {"setvar", "switch_language"}),
    "IndexState": (ANYONE, {"load", "setvar"}),
    "LoginState": (ANYONE, {"load", "setvar"}),
    "TourState": (ANYONE, {
        "ask_staff", "call_now", "call_staff", "close_product", "go_to_scene", "load",
        "load_staff_choices", "open_marker", "panel_key", "record_view", "relabel",
        "settle_in", "setvar", "share_opened", "shared", "show_product", "toggle_wish",
        "watch_catalogue", "close_intro", "pick_product", "start_call",
    }),
    "BookState": (ANYONE, {
        "choose_day", "choose_slot", "choose_staff", "choose_type", "close_waitlist", "load",
        "open_waitlist", "reload", "set_answer", "set_waitlist_day", "set_zone", "setvar",
        "submit",
    }),
    "ManageState": (LINK, {
        "cancel", "choose_day", "choose_slot", "join_call", "load_join", "load_manage",
        "load_reschedule", "move", "setvar",
    }),
    "CallState": (LINK, {
        "leave_message", "leave_queue", "load", "load_summary", "setvar", "watch_queue",
        "watch_staff",
    }),
    "RatingState": (LINK, {"check", "setvar", "submit"}),
    "OrderState": (LINK, {"load", "setvar"}),
    "PayState": (LINK, {
        "action_result", "card_result", "charge", "choose", "choose_country", "clear_error",
        "edit_fulfilment", "fill_from_postal_code", "load", "prepare_card", "save_fulfilment",
        "setvar",
    }),
    "ChatState": (IN_CHARGE, {
        "add_to_cart", "one_fewer_in_cart", "remove_from_cart", "send", "send_again",
        "setvar", "watch",
    }),
    "GuideState": (IN_CHARGE, {
        "clear_highlight", "follow", "open_customer", "open_staff", "point_at", "setvar",
        "show_scene", "start", "steer", "stop", "take_control", "watch",
    }),
    "StaffCallState": (IN_CHARGE, {
        "choose_outcome", "end_call", "load", "push_card", "refresh_colleagues",
        "request_payment", "save_notes", "save_wrap_up", "search", "setvar", "transfer",
    }),
    # accept/decline: the customer by their link; start/stop: the staff member in charge.
    "RecordingState": (IN_CHARGE, {"accept", "decline", "setvar", "start", "stop", "watch"}),
    # watch_customer: by the call link; watch_staff: the staff member the call is with.
    "StepInState": (IN_CHARGE, {"setvar", "watch_customer", "watch_staff"}),
    "StaffState": (STAFF, {
        "accept", "choose_presence", "load", "mark", "new_feed_link", "poll", "remove_date",
        "save_date", "save_week", "set_day", "setvar", "start_booked_call",
    }),
    "OrdersState": (STAFF, {
        "load_list", "load_order", "refund", "send_again", "setvar", "watch_refunds",
    }),
    # Staff see their own calls' recordings; delete and legal hold are a supervisor's.
    "RecordingsState": (STAFF, {"apply_filter", "load", "save_rules", "setvar"}),
    "RecordingPlayerState": (STAFF, {"delete_now", "load", "setvar", "toggle_hold"}),
    "SupervisorState": (SUPERVISOR, {"load", "save_queue_alert", "setvar", "watch"}),
    "SupervisorCallState": (SUPERVISOR, {"barge_in", "leave", "load", "setvar", "whisper"}),
    "TourInsightsState": (SUPERVISOR, {"apply", "load", "setvar"}),
    "KpiState": (SUPERVISOR, {
        "apply", "export_series", "export_staff", "export_summary", "load", "setvar",
    }),
    "AdminState": (SUPERVISOR, {
        "cancel_pending", "choose_product", "choose_scene", "confirm_place", "delete_hotspot",
        "edit_scene", "load", "move", "place", "rename", "select", "set_both_ways",
        "set_initial_view", "set_kind", "set_north", "set_scene_name", "setvar",
        "upload_panoramas", "upload_rejected", "view_changed", "watch_uploads",
    }),
    "AdminCatalogueState": (SUPERVISOR, {
        "download", "hide_key", "import_file", "load", "reveal_key", "save_row", "setvar",
    }),
    "CommerceRulesState": (SUPERVISOR, {"load", "save", "setvar"}),
}  # fmt: skip


def app_events() -> Iterator[tuple[str, set[str]]]:
    from reflex.state import BaseState, State

    import showroom.showroom  # noqa: F401  (registers every page's state)

    def walk(cls: type[BaseState]) -> Iterator[type[BaseState]]:
        for sub in cls.get_substates():
            yield sub
            yield from walk(sub)

    for state in walk(State):
        if state.__module__.startswith(("showroom.", "consult.")):
            yield state.__name__, set(state.event_handlers)


def test_every_event_the_browser_can_call_has_a_row() -> None:
    found = dict(app_events())
    assert set(found) == set(EVENTS), "a state without rows (or rows for a state gone)"
    for state, names in found.items():
        assert names == EVENTS[state][1], (state, names ^ EVENTS[state][1])


@pytest.mark.parametrize(
    ("state", "helper"),
    [
        ("ChatState", "open"),  # would let a browser attach its chat to any call
        ("SessionState", "current_staff"),
        ("SessionState", "authorise"),
        ("SessionState", "session_token"),  # would hand the HttpOnly token to a browser
        ("SessionState", "ensure_visitor"),
        ("RecordingState", "_open_customer"),  # would attach the notice to any call
        ("RecordingState", "_open_staff"),  # would let a browser ask to record any call
    ],
)
def test_helpers_for_the_pages_are_not_events(state: str, helper: str) -> None:
    assert helper not in dict(app_events())[state]
