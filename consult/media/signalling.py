"""Validation of WebRTC signalling input: plain data in, an `Offer` or a `SignallingError` out.

Knows nothing about media, HTTP or Reflex. The browser posts the JSON form of its
`RTCSessionDescription` (`{"sdp": ..., "type": "offer"}`); this module decides whether it is
worth handing to the media plane.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_SDP_BYTES = 64 * 1024
"""A browser offer for one audio and one video section is 4 to 8 KB; anything near this is abuse."""

MAX_MEDIA_SECTIONS = 8
"""Audio + video for a participant, four receive sections for a monitor; more is not a browser."""

OFFER_FIELDS = frozenset({"sdp", "type"})
STATUS_FIELDS = frozenset({"muted", "camera", "quality", "rtt_ms", "loss_pct"})
QUALITIES = ("good", "fair", "poor", "unknown")
"""How a browser rates its own connection from its WebRTC stats (best first)."""
MAX_RTT_MS = 60_000
JOIN_REASONS = frozenset({"join", "recover", "mode"})
"""Why a client sends an offer: first join (or reload), recovery after a drop, audio-only switch."""
LEAVE_REASONS = frozenset({"hangup", "unload"})
"""Hang up on purpose, or the page went away (maybe a reload: "left" waits for a rejoin)."""

# What aiortc 1.16 can decode and encode; a section offering none of these cannot be answered.
USABLE_CODECS = {
    "audio": frozenset({"opus", "pcmu", "pcma", "g722"}),
    "video": frozenset({"vp8", "h264"}),
}
_STATIC_PAYLOADS = {"0": "pcmu", "8": "pcma", "9": "g722"}

_SESSION_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MEDIA_LINE_RE = re.compile(r"^m=(audio|video) ", re.MULTILINE)
_SECTION_RE = re.compile(r"^m=(\S+) (\d+)(?:/\d+)? (\S+)((?: \S+)*)\s*$")
_RTPMAP_RE = re.compile(r"^a=rtpmap:(\d+) ([^/\s]+)/")


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
    _check_sections(sdp)
    return Offer(sdp=sdp, type="offer")


@dataclass
class _Section:
    kind: str
    port: int
    payloads: list[str]
    codecs: set[str]


def _sections(sdp: str) -> list[_Section]:
    sections: list[_Section] = []
    for line in sdp.splitlines():
        if line.startswith("m="):
            match = _SECTION_RE.match(line)
            if match is None:
                raise SignallingError("sdp_malformed", f"Malformed media line: {line[:80]!r}.")
            payloads = match.group(4).split()
            sections.append(_Section(match.group(1), int(match.group(2)), payloads, set()))
        elif (
            sections
            and (rtpmap := _RTPMAP_RE.match(line))
            and rtpmap.group(1) in sections[-1].payloads
        ):
            sections[-1].codecs.add(rtpmap.group(2).lower())
    for section in sections:
        section.codecs |= {_STATIC_PAYLOADS[p] for p in section.payloads if p in _STATIC_PAYLOADS}
    return sections


def _check_sections(sdp: str) -> None:
    sections = _sections(sdp)
    if len(sections) > MAX_MEDIA_SECTIONS:
        raise SignallingError(
            "too_many_sections", f"The SDP has more than {MAX_MEDIA_SECTIONS} media sections."
        )
    for section in sections:
        usable = USABLE_CODECS.get(section.kind)
        if usable is None or section.port == 0:
            continue  # a data channel, or a section the browser itself turned off
        if not section.codecs & usable:
            names = ", ".join(sorted(section.codecs)) or "none"
            raise SignallingError(
                "no_usable_codec",
                f"The {section.kind} section offers no codec this server supports "
                f"(offered: {names}; supported: {', '.join(sorted(usable))}).",
            )


def has_video(sdp: str) -> bool:
    """Whether an (already parsed) offer has a live video section: audio-only offers have none."""
    return any(s.kind == "video" and s.port != 0 for s in _sections(sdp))


def parse_reason(value: str | None, allowed: frozenset[str], default: str) -> str:
    """Validate an optional `reason` query parameter against its allowed values."""
    if value is None or value == "":
        return default
    if value not in allowed:
        raise SignallingError(
            "bad_reason", f"The reason must be one of: {', '.join(sorted(allowed))}."
        )
    return value


@dataclass(frozen=True)
class ClientStatus:
    """What a client reports about itself with each status poll (None: not said)."""

    muted: bool | None = None
    camera: bool | None = None
    quality: str | None = None  # one of QUALITIES, from the browser's getStats()
    rtt_ms: int | None = None
    loss_pct: float | None = None


@dataclass(frozen=True)
class Link:
    """One participant's connection as the server sees it (state) and its browser measured."""

    state: str
    quality: str = "unknown"
    rtt_ms: int | None = None
    loss_pct: float | None = None


def parse_status(payload: object) -> ClientStatus:
    if not isinstance(payload, dict):
        raise SignallingError("not_object", "The status must be a JSON object.")
    unknown = sorted(str(key) for key in payload if key not in STATUS_FIELDS)
    if unknown:
        raise SignallingError("unknown_field", f"Unknown field(s): {', '.join(unknown)}.")
    for key in ("muted", "camera"):
        if key in payload and not isinstance(payload[key], bool):
            raise SignallingError("not_boolean", f"{key!r} must be true or false.")
    quality = payload.get("quality")
    if quality is not None and quality not in QUALITIES:
        raise SignallingError("bad_quality", f"'quality' must be one of {', '.join(QUALITIES)}.")
    return ClientStatus(
        muted=payload.get("muted"),
        camera=payload.get("camera"),
        quality=quality,
        rtt_ms=_number(payload, "rtt_ms", MAX_RTT_MS, whole=True),
        loss_pct=_number(payload, "loss_pct", 100, whole=False),
    )


def _number(payload: dict[str, Any], key: str, top: float, *, whole: bool) -> Any:
    """An optional measurement within [0, top] (null: the browser has none yet)."""
    value = payload.get(key)
    if value is None:
        return None
    wrong_type = isinstance(value, bool) or not isinstance(value, int if whole else (int, float))
    if wrong_type or not 0 <= value <= top:
        kind = "a whole number" if whole else "a number"
        raise SignallingError("bad_measurement", f"{key!r} must be {kind} from 0 to {top}.")
    return int(value) if whole else round(float(value), 1)


def parse_session(value: str | None) -> str | None:
    """Validate the optional client session id (one per mounted call widget)."""
    if value is None or value == "":
        return None
    if not _SESSION_RE.fullmatch(value):
        raise SignallingError(
            "bad_session", "The session id must be 1 to 64 letters, digits, '-' or '_'."
        )
    return value
