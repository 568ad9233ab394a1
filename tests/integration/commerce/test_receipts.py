"""The confirmation and receipt mail through the real SMTP adapter to aiosmtpd: once per order,
in the customer's language, tax included as Japanese receipts show it; retried when SMTP fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from consult.commerce.orders import create_order, mark_paid, send_for_payment
from consult.commerce.receipts import order_for_view, send_receipt, unsent_receipts
from consult.mail import SmtpMailer
from consult.models import Order, Payment
from showroom.identity import LinkError
from tests import factories
from tests.fixtures.servers import SmtpSink, free_port

KEY = "receipt-test-key"
ADDRESS = {"country": "JP", "name": "佐藤 花子", "postal_code": "107-0062", "region": "東京都",
           "city": "港区南青山", "line1": "5-1-1", "line2": "", "phone": "03-1234-5678"}  # fmt: skip


@pytest.fixture
def sessions(engine: Engine) -> Any:
    @contextmanager
    def open_session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session

    return open_session


def paid(session: Session, *, language: str, delivery: bool) -> Order:
    store = factories.store(session)
    store.address_ja, store.address_en = (
        "東京都港区南青山5-1",
        "5-1 Minami-Aoyama, Minato-ku, Tokyo",
    )
    lamp = factories.product(session, "LAMP-001", price=32000, name_en="Washi lamp",
                             name_ja="和紙ランプ")  # fmt: skip
    factories.stock(session, store, lamp, 2)
    order = create_order(session, store.id, [(lamp.id, 1)], language=language)
    send_for_payment(session, order.id, None)
    order.language, order.customer_email, order.customer_name = (
        language,
        "hanako@example.com",
        "佐藤 花子",
    )
    if delivery:
        order.fulfilment, order.delivery_address = "delivery", ADDRESS
        order.delivery_fee, order.total = 1100, 33100
    else:
        order.fulfilment, order.pickup_store_id = "pickup", store.id
    session.add(Payment(order_id=order.id, provider_ref="pi_r", amount=order.total, currency="JPY"))
    session.flush()
    mark_paid(session, "pi_r", order.total, "JPY")
    session.commit()
    return order


def test_one_japanese_receipt_with_the_tax_inside_the_total(
    session: Session, sessions: Any, smtp_server: SmtpSink
) -> None:
    smtp_server.clear()
    order = paid(session, language="ja", delivery=True)
    mailer = SmtpMailer(smtp_server.host, smtp_server.port)
    assert send_receipt(sessions, order.id, mailer, base_url="http://shop", key=KEY)
    assert not send_receipt(sessions, order.id, mailer, base_url="http://shop", key=KEY)  # once
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == f"【ショールーム青山】ご注文の確認と領収書（注文番号 #{order.id}）"
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    for expected in ("佐藤 花子様", "領収書", "和紙ランプ × 1  ¥32,000", "配送料  ¥1,100",
                     "合計（税込）  ¥33,100", "10%対象 ¥33,100（内消費税 ¥3,009）", "お届け先：",
                     "〒107-0062", "東京都港区南青山5-1-1", "東京都港区南青山5-1"):  # fmt: skip
        assert expected in text, expected
    assert message.get_body(preferencelist=("html",)) is not None
    link = next(line for line in text.splitlines() if line.startswith("http://shop/order/"))
    with Session(session.get_bind()) as check:
        assert order_for_view(check, KEY, link.rsplit("/", 1)[1]).id == order.id
        with pytest.raises(LinkError):
            order_for_view(check, "another key", link.rsplit("/", 1)[1])


def test_an_english_pickup_receipt_says_where_and_when(
    session: Session, sessions: Any, smtp_server: SmtpSink
) -> None:
    smtp_server.clear()
    order = paid(session, language="en", delivery=False)
    mailer = SmtpMailer(smtp_server.host, smtp_server.port)
    assert send_receipt(sessions, order.id, mailer, base_url="http://shop", key=KEY)
    [message] = smtp_server.wait_for(1)
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Washi lamp × 1  ¥32,000" in text and "Delivery fee" not in text
    assert "Taxed at 10%: ¥32,000 (of which consumption tax ¥2,909)" in text
    assert "Collect at Showroom Aoyama" in text and "Ready from " in text


def test_a_receipt_the_mail_server_refused_is_owed_and_sent_later(
    session: Session, sessions: Any, smtp_server: SmtpSink
) -> None:
    smtp_server.clear()
    order = paid(session, language="en", delivery=False)
    down = SmtpMailer("127.0.0.1", free_port(), timeout=2)
    assert not send_receipt(sessions, order.id, down, base_url="http://shop", key=KEY)
    with Session(session.get_bind()) as check:
        assert unsent_receipts(check) == [order.id]
    assert send_receipt(sessions, order.id, SmtpMailer(smtp_server.host, smtp_server.port),
                        base_url="http://shop", key=KEY)  # fmt: skip
    with Session(session.get_bind()) as check:
        assert unsent_receipts(check) == []
    assert len(smtp_server.wait_for(1)) == 1
