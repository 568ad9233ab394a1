"""The demo store: enough of everything for a real walk-through, made here, idempotently."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PIL import Image
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from consult.models import ConsultationType, Question
from showroom import db, seed
from showroom.models import Hotspot, Product, Scene, StaffMember, Stock
from showroom.settings import get_settings


@pytest.fixture
def seeded(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    monkeypatch.setattr(db, "_session_factory", lambda: factory)
    assert seed.seed(width=2048) is True
    yield engine


def test_seed_creates_a_store_a_person_can_walk_through(seeded: Engine) -> None:
    with Session(seeded) as session:
        scenes = session.scalars(select(Scene).order_by(Scene.sort_order)).all()
        assert [s.slug for s in scenes] == ["entrance", "living", "dining"]
        assert (session.scalar(select(func.count(Product.id))) or 0) >= 12
        assert (session.scalar(select(func.count()).select_from(Stock)) or 0) >= 12
        kinds = session.scalars(select(ConsultationType).order_by(ConsultationType.id)).all()
        assert [k.duration_minutes for k in kinds] == [15, 30]
        conditional = session.scalars(
            select(Question).where(Question.show_if_question_id.is_not(None))
        ).all()
        assert len(conditional) == 1 and conditional[0].show_if_answer == "no"
        for member in session.scalars(select(StaffMember)):
            assert member.photo is not None
            with Image.open(get_settings().media_dir / member.photo) as photo:
                assert photo.size == (256, 256)
        roles = sorted(session.scalars(select(StaffMember.role)))
        assert roles.count("staff") == 3 and roles.count("supervisor") == 1
        hotspots = session.scalars(select(Hotspot)).all()
        # Every product stands in exactly one scene, and every scene links onwards.
        product_hotspots = [h.product_id for h in hotspots if h.product_id]
        assert len(product_hotspots) == len(set(product_hotspots)) == 13
        for scene in scenes:
            assert any(h.target_scene_id for h in hotspots if h.scene_id == scene.id)
            tiles = get_settings().media_dir / str(scene.panorama_dir)
            meta = json.loads((tiles / "meta.json").read_text())
            assert meta == scene.panorama_meta
            with Image.open(tiles / meta["base"]["front"]) as face:
                assert face.size[0] == face.size[1] > 0


def test_seeding_again_changes_nothing(seeded: Engine) -> None:
    with Session(seeded) as session:
        before = session.scalar(select(func.count(Product.id)))
    assert seed.seed(width=2048) is False
    with Session(seeded) as session:
        assert session.scalar(select(func.count(Product.id))) == before
