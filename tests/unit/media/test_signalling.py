"""Validation of signalling input (consult.media.signalling): every refusal has its own code."""

from __future__ import annotations

import pytest

from consult.media.signalling import (
    JOIN_REASONS,
    MAX_MEDIA_SECTIONS,
    MAX_SDP_BYTES,
    ClientStatus,
    Offer,
    SignallingError,
    has_video,
    parse_offer,
    parse_reason,
    parse_session,
    parse_status,
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
    sdp = SDP.split("m=audio")[0] + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n"
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


# --------------------------------------------------------------------------------------------
# Codecs and sections


def test_a_section_with_no_usable_codec_is_refused_and_named() -> None:
    sdp = SDP.replace("a=rtpmap:96 VP8/90000", "a=rtpmap:96 AV1/90000")
    with pytest.raises(SignallingError) as info:
        parse_offer({"sdp": sdp, "type": "offer"})
    assert info.value.code == "no_usable_codec"
    assert "video" in info.value.message and "av1" in info.value.message
    assert "vp8" in info.value.message  # says what would work


def test_audio_by_static_payload_type_is_usable() -> None:
    sdp = SDP.split("m=video")[0].replace("SAVPF 111", "SAVPF 0")
    sdp = sdp.replace("a=rtpmap:111 opus/48000/2\r\n", "")
    assert parse_offer({"sdp": sdp, "type": "offer"}).sdp == sdp


def test_a_rejected_section_and_a_data_channel_are_not_checked() -> None:
    sdp = (
        SDP
        + "m=video 0 UDP/TLS/RTP/SAVPF 45\r\na=rtpmap:45 AV1/90000\r\n"
        + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    )
    assert parse_offer({"sdp": sdp, "type": "offer"}).sdp == sdp


def test_a_codec_of_another_section_does_not_count() -> None:
    # VP8's rtpmap sits under audio: the video section still has nothing usable.
    sdp = (
        "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 96\r\na=rtpmap:111 opus/48000/2\r\n"
        "a=rtpmap:96 VP8/90000\r\nm=video 9 UDP/TLS/RTP/SAVPF 97\r\n"
    )
    assert refusal({"sdp": sdp, "type": "offer"}) == "no_usable_codec"


def test_too_many_sections() -> None:
    section = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n"
    sdp = "v=0\r\n" + section * (MAX_MEDIA_SECTIONS + 1)
    assert refusal({"sdp": sdp, "type": "offer"}) == "too_many_sections"


def test_malformed_media_line() -> None:
    assert refusal(
        {"sdp": "v=0\r\nm=audio nine RTP\r\nm=audio 9 RTP/AVP 0\r\n", "type": "offer"}
    ) == ("sdp_malformed")


def test_audio_only_offers_have_no_live_video() -> None:
    assert has_video(SDP)
    assert not has_video(SDP.split("m=video")[0])
    assert not has_video(SDP.replace("m=video 9", "m=video 0"))


# --------------------------------------------------------------------------------------------
# Reasons and status reports


def test_reason_defaults_and_is_checked() -> None:
    assert parse_reason(None, JOIN_REASONS, "join") == "join"
    assert parse_reason("recover", JOIN_REASONS, "join") == "recover"
    with pytest.raises(SignallingError) as info:
        parse_reason("restart-ice", JOIN_REASONS, "join")
    assert info.value.code == "bad_reason"


def test_status_report() -> None:
    assert parse_status({}) == ClientStatus()
    assert parse_status({"muted": True, "camera": False}) == ClientStatus(True, False)
    for payload, code in [
        ([], "not_object"),
        ({"muted": "yes"}, "not_boolean"),
        ({"muted": 1}, "not_boolean"),
        ({"volume": 3}, "unknown_field"),
        ({"quality": "excellent"}, "bad_quality"),
        ({"quality": 3}, "bad_quality"),
        ({"rtt_ms": -1}, "bad_measurement"),
        ({"rtt_ms": 12.5}, "bad_measurement"),
        ({"rtt_ms": True}, "bad_measurement"),
        ({"rtt_ms": 60_001}, "bad_measurement"),
        ({"loss_pct": 100.5}, "bad_measurement"),
        ({"loss_pct": "2"}, "bad_measurement"),
        ({"loss_pct": float("nan")}, "bad_measurement"),
    ]:
        with pytest.raises(SignallingError) as info:
            parse_status(payload)
        assert info.value.code == code


def test_status_carries_the_browsers_own_rating() -> None:
    rated = parse_status({"quality": "fair", "rtt_ms": 310, "loss_pct": 2.46})
    assert (rated.quality, rated.rtt_ms, rated.loss_pct) == ("fair", 310, 2.5)
    unmeasured = parse_status({"quality": "unknown", "rtt_ms": None, "loss_pct": 0})
    assert (unmeasured.quality, unmeasured.rtt_ms, unmeasured.loss_pct) == ("unknown", None, 0.0)
