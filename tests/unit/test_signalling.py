"""Validation of signalling input (consult.signalling): every refusal has its own code."""

from __future__ import annotations

import pytest

from consult.signalling import (
    MAX_SDP_BYTES,
    Offer,
    SignallingError,
    parse_offer,
    parse_session,
)

SDP = (
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
)


def refusal(payload: object) -> str:
    with pytest.raises(SignallingError) as info:
        parse_offer(payload)
    assert info.value.message  # always something a person can read
    return info.value.code


def test_valid_offer() -> None:
    assert parse_offer({"sdp": SDP, "type": "offer"}) == Offer(sdp=SDP, type="offer")


def test_video_only_offer_is_fine() -> None:
    sdp = SDP.split("m=audio")[0] + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    assert parse_offer({"sdp": sdp, "type": "offer"}).sdp == sdp


@pytest.mark.parametrize("payload", [None, [], "v=0", 42, ["sdp", "type"]])
def test_not_an_object(payload: object) -> None:
    assert refusal(payload) == "not_object"


def test_unknown_field() -> None:
    assert refusal({"sdp": SDP, "type": "offer", "candidate": "x"}) == "unknown_field"


@pytest.mark.parametrize("payload", [{}, {"sdp": SDP}, {"type": "offer"}])
def test_missing_field(payload: object) -> None:
    assert refusal(payload) == "missing_field"


@pytest.mark.parametrize("type_", ["answer", "pranswer", "rollback", "", None, 1])
def test_type_must_be_offer(type_: object) -> None:
    assert refusal({"sdp": SDP, "type": type_}) == "bad_type"


@pytest.mark.parametrize("sdp", [None, 1, ["v=0"], {"v": 0}, b"v=0"])
def test_sdp_not_a_string(sdp: object) -> None:
    assert refusal({"sdp": sdp, "type": "offer"}) == "sdp_not_string"


def test_sdp_too_large() -> None:
    big = SDP + "a=x-padding:" + "x" * MAX_SDP_BYTES + "\r\n"
    assert refusal({"sdp": big, "type": "offer"}) == "sdp_too_large"


def test_size_limit_counts_bytes_not_characters() -> None:
    # 3 bytes per character in UTF-8: under the limit in characters, over it in bytes.
    big = SDP + "a=x-padding:" + "あ" * (MAX_SDP_BYTES // 3 + 10) + "\r\n"
    assert len(big) < MAX_SDP_BYTES
    assert refusal({"sdp": big, "type": "offer"}) == "sdp_too_large"


@pytest.mark.parametrize("sdp", ["", "hello", " v=0\r\n" + SDP, "o=- 1 2 IN IP4 0.0.0.0\r\n"])
def test_sdp_must_start_with_version(sdp: str) -> None:
    assert refusal({"sdp": sdp, "type": "offer"}) == "sdp_malformed"


@pytest.mark.parametrize(
    "sdp",
    [
        "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
        "v=0\r\ns=-\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n",
        "v=0\r\ns=-\r\na=comment:m=video 9\r\n",
    ],
)
def test_sdp_without_audio_or_video(sdp: str) -> None:
    assert refusal({"sdp": sdp, "type": "offer"}) == "no_media"


def test_error_is_a_value_error_with_code() -> None:
    error = SignallingError("bad_type", "nope")
    assert isinstance(error, ValueError)
    assert (error.code, error.message, str(error)) == ("bad_type", "nope", "nope")


@pytest.mark.parametrize("value", [None, ""])
def test_session_optional(value: str | None) -> None:
    assert parse_session(value) is None


def test_session_valid() -> None:
    assert parse_session("f3b2-A_9") == "f3b2-A_9"


@pytest.mark.parametrize("value", ["a b", "x" * 65, "../etc", "a\nb", "é"])
def test_session_invalid(value: str) -> None:
    with pytest.raises(SignallingError) as info:
        parse_session(value)
    assert info.value.code == "bad_session"
