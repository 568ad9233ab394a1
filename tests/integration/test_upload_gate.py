"""The gate in front of `/_upload`: nobody without the handler's role gets a byte read, and a
large body is cut off at the handler's limit, with the temporary disk left as it was.

Behind the gate is a Starlette route that parses the multipart form as Reflex does for a
buffered upload (`request.form()`, spooled to temporary files).
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from showroom.identity import StaffIdentity
from showroom.upload_gate import UploadGate, UploadRule

MIB = 1024 * 1024
IMPORT = "reflex___state____state.showroom___pages___admin_catalogue.import_file"
BOUNDARY = "gatetestboundary"
PEOPLE = {
    "yuki": StaffIdentity(3, 1, "supervisor", "Yuki"),
    "aiko": StaffIdentity(1, 1, "staff", "Aiko"),
}


class Multipart:
    """A streamed multipart body with one file of `size` bytes; `sent` counts what was pulled."""

    def __init__(self, size: int, chunk: int = MIB) -> None:
        self.size, self.chunk, self.sent = size, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        self.sent += len(head)
        yield head
        left = self.size
        while left > 0:
            part = min(self.chunk, left)
            left -= part
            self.sent += part
            yield b"x" * part
        yield f"\r\n--{BOUNDARY}--\r\n".encode()


def disk_use(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Where the form parser spools files: watched for growth."""
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    yield spool


@pytest.fixture
async def client(temp_dir: Path) -> AsyncIterator[tuple[httpx.AsyncClient, list[int]]]:
    stored: list[int] = []

    async def upload(request: Request) -> JSONResponse:
        form = await request.form()
        for item in form.getlist("files"):
            assert isinstance(item, UploadFile)
            stored.append(len(await item.read()))
        return JSONResponse({"stored": stored})

    inner = Starlette(routes=[Route("/_upload", upload, methods=["POST"])])
    gate = UploadGate(
        inner,
        {IMPORT: UploadRule("supervisor", 2 * MIB)},
        who=lambda token: PEOPLE.get(token or ""),
    )
    transport = httpx.ASGITransport(app=gate)
    async with httpx.AsyncClient(transport=transport, base_url="http://showroom.test") as c:
        yield c, stored


def headers(handler: str = IMPORT, who: str | None = None) -> dict[str, str]:
    sent = {
        "reflex-client-token": "6f1d0b64-2f0c-4a5e-9d2e-6b0e8f0b1c11",
        "reflex-event-handler": handler,
        "content-type": f"multipart/form-data; boundary={BOUNDARY}",
    }
    if who:
        sent["cookie"] = f"showroom_session={who}"
    return sent


@pytest.mark.parametrize(
    ("handler", "who", "status", "code"),
    [
        (IMPORT, None, 401, "login_required"),
        (IMPORT, "stolen-or-expired", 401, "login_required"),
        (IMPORT, "aiko", 403, "forbidden"),
        ("reflex___state____state.anything.else", "yuki", 403, "forbidden"),
        ("", "yuki", 403, "forbidden"),
    ],
)
async def test_a_caller_without_the_role_is_refused_before_any_byte_is_read(
    client: tuple[httpx.AsyncClient, list[int]],
    temp_dir: Path,
    handler: str,
    who: str | None,
    status: int,
    code: str,
) -> None:
    http, stored = client
    body = Multipart(1024 * MIB)  # an anonymous 1 GiB upload
    response = await http.post("/_upload", headers=headers(handler, who), content=body)
    assert (response.status_code, response.json()["error"]) == (status, code)
    assert response.json()["message"]
    assert body.sent == 0
    assert stored == [] and disk_use(temp_dir) == 0


async def test_a_declared_length_over_the_limit_is_refused_unread(
    client: tuple[httpx.AsyncClient, list[int]], temp_dir: Path
) -> None:
    http, stored = client
    body = Multipart(1024 * MIB)
    declared = {**headers(who="yuki"), "content-length": str(1024 * MIB + 200)}
    response = await http.post("/_upload", headers=declared, content=body)
    assert (response.status_code, response.json()["error"]) == (413, "too_large")
    assert body.sent == 0 and stored == [] and disk_use(temp_dir) == 0


async def test_a_body_without_a_length_is_cut_off_at_the_limit(
    client: tuple[httpx.AsyncClient, list[int]], temp_dir: Path
) -> None:
    http, stored = client
    body = Multipart(1024 * MIB)
    response = await http.post("/_upload", headers=headers(who="yuki"), content=body)
    assert (response.status_code, response.json()["error"]) == (413, "too_large")
    assert body.sent <= 3 * MIB  # the limit (2 MiB) and the chunk in flight
    assert stored == [] and disk_use(temp_dir) == 0


async def test_the_supervisor_uploads_within_the_limit(
    client: tuple[httpx.AsyncClient, list[int]],
) -> None:
    http, stored = client
    response = await http.post("/_upload", headers=headers(who="yuki"), content=Multipart(MIB + 17))
    assert response.status_code == 200
    assert stored == [MIB + 17]


async def test_other_paths_pass_untouched(client: tuple[httpx.AsyncClient, list[int]]) -> None:
    http, _stored = client
    assert (await http.get("/_upload")).status_code == 405  # the app's own answer
    assert (await http.post("/elsewhere")).status_code == 404
