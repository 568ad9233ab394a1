"""Validation of WebRTC signalling input: plain data in, an `Offer` or a `SignallingError` out.

Knows nothing about media, HTTP or Reflex. The browser posts the JSON form of its
`RTCSessionDescription` (`{"sdp": ..., "type": "offer"}`); this module decides whether it is
worth handing to the media plane.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SDP_BYTES = 64 * 1024
"""A browser offer for one audio and one video section is 4 to 8 KB; anything near this is abuse."""

OFFER_FIELDS = frozenset({"sdp", "type"})

_SESSION_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MEDIA_LINE_RE = re.compile(r"^m=(audio|video) ", re.MULTILINE)


class SignallingError(ValueError):
    """Malformed signalling input. `code` is stable and machine-readable; `message` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"SignallingError({self.code!r}, {self.message!r})"


@dataclass(frozen=True)
class Offer:
    sdp: str
    type: str = "offer"


def parse_offer(payload: object) -> Offer:
    """Validate a decoded JSON offer. Raises `SignallingError` naming the first problem found."""
    if not isinstance(payload, dict):
        raise SignallingError("not_object", "The offer must be a JSON object.")
    unknown = sorted(str(key) for key in payload if key not in OFFER_FIELDS)
    if unknown:
        raise SignallingError("unknown_field", f"Unknown field(s): {', '.join(unknown)}.")
    missing = sorted(OFFER_FIELDS - payload.keys())
    if missing:
        raise SignallingError("missing_field", f"Missing field(s): {', '.join(missing)}.")
    if payload["type"] != "offer":
        raise SignallingError("bad_type", 'The description type must be "offer".')
    sdp = payload["sdp"]
    if not isinstance(sdp, str):
        raise SignallingError("sdp_not_string", "The SDP must be a string.")
    if len(sdp.encode("utf-8", "surrogatepass")) > MAX_SDP_BYTES:
        raise SignallingError("sdp_too_large", f"The SDP is larger than {MAX_SDP_BYTES} bytes.")
    if not sdp.startswith("v=0"):
        raise SignallingError("sdp_malformed", 'The SDP must start with "v=0".')
    if not _MEDIA_LINE_RE.search(sdp):
        raise SignallingError("no_media", "The SDP has no audio or video section.")
    return Offer(sdp=sdp, type="offer")


def parse_session(value: str | None) -> str | None:
    """Validate the optional client session id (one per mounted call widget)."""
    if value is None or value == "":
        return None
    if not _SESSION_RE.fullmatch(value):
        raise SignallingError(
            "bad_session", "The session id must be 1 to 64 letters, digits, '-' or '_'."
        )
    return value
