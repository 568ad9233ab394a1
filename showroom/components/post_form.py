"""A `<form>` the browser itself submits to a server route (no Reflex submit handler).

Reflex's own form always calls `preventDefault` and sends the fields as a state event; the
login and logout forms must instead reach the server as a real POST, so that its answer can
set (or clear) the HttpOnly session cookie and send the browser on.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML


class PostForm(BaseHTML):
    tag = "form"

    action: rx.Var[str]
    method: rx.Var[str]


def post_form(*children: rx.Component, action: str, **props: Any) -> rx.Component:
    return PostForm.create(*children, action=action, method="post", **props)
