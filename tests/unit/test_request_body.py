"""Bounded JSON: the depth of a document is measured without parsing it."""

from __future__ import annotations

import pytest

from showroom.request_body import BodyError, nesting_depth, parse_json


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b"1", 0),
        (b"{}", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'{"a": "[[[[[[{{{{"}', 1),  # brackets inside strings do not count
        (b'{"a": "\\"[[[["}', 1),  # nor after an escaped quote
        (b"[" * 5000 + b"]" * 5000, 5000),
    ],
)
def test_nesting_depth(body: bytes, depth: int) -> None:
    assert nesting_depth(body) == depth


def test_a_document_at_the_limit_parses() -> None:
    nested = parse_json(b"[" * 32 + b"]" * 32)
    for _ in range(31):
        assert isinstance(nested, list) and len(nested) == 1
        nested = nested[0]
    assert nested == []


@pytest.mark.parametrize("levels", [33, 2000, 30_000])
def test_too_deep_a_document_is_a_400_not_a_recursion_error(levels: int) -> None:
    with pytest.raises(BodyError) as refused:
        parse_json(b"[" * levels + b"]" * levels)
    assert (refused.value.status, refused.value.code) == (400, "too_deep")


@pytest.mark.parametrize("body", [b"{", b"\xff\xfe", b"nope", b'{"a": 1,}'])
def test_not_json_is_a_400(body: bytes) -> None:
    with pytest.raises(BodyError) as refused:
        parse_json(body)
    assert (refused.value.status, refused.value.code) == (400, "invalid_json")
