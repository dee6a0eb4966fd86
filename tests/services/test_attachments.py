"""Attachments on activity logs: images and PDF judged by content, at most 10 MB, within the actor's scope."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from db.models import Attachment, AuditEntry
from db.session import session_scope
from portal.config import get_settings
from portal.services import attachments
from portal.services.errors import InvalidInput, NotFound, PermissionDenied
from tests.helpers import actor_for
from tests.services.conftest import World
from tests.services.test_activities import log

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def attach(username: str, record_id: int, filename: str, data: bytes) -> int:
    with session_scope(write=True) as session:
        row = attachments.attach(
            session=session,
            actor=actor_for(session, username),
            kind="safety_training",
            record_id=record_id,
            filename=filename,
            data=data,
        )
        return row.id or 0


def attachment_count() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Attachment)).one()


def stored_files() -> list[str]:
    root = get_settings().resolved_data_dir / "attachments"
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_photo_and_a_sign_in_sheet_are_kept_and_read_back(world: World) -> None:
    activity_id = log(world)
    photo = attach("staff", activity_id, "C:\\相册\\现场照片.png", PNG)
    attach("staff.zjt", activity_id, "签到表.pdf", PDF)
    with session_scope() as session:
        files = attachments.list_attachments(
            session=session, actor=actor_for(session, "leader.zjt"), kind="safety_training", record_id=activity_id
        )
        row, data = attachments.read(session=session, actor=actor_for(session, "leader"), attachment_id=photo)
        log_entries = session.exec(select(AuditEntry.action).where(AuditEntry.record_id == activity_id)).all()
    assert [(f.filename, f.media_type, f.size) for f in files] == [
        ("现场照片.png", "image/png", len(PNG)),
        ("签到表.pdf", "application/pdf", len(PDF)),
    ]
    assert (row.filename, data) == ("现场照片.png", PNG)
    assert len(stored_files()) == 2
    assert sorted(log_entries) == ["attach", "attach", "create"]


@pytest.mark.parametrize(
    ("filename", "data", "key"),
    [
        ("photo.jpg", b"MZ\x90\x00 this is a program, not a photo", "error.attachment_type"),
        ("sheet.pdf", b"<html><script>alert(1)</script>", "error.attachment_type"),
        ("huge.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "error.attachment_size"),
    ],
)
def test_files_that_are_not_images_or_pdf_or_too_big_are_refused(
    world: World, filename: str, data: bytes, key: str
) -> None:
    activity_id = log(world)
    with pytest.raises(InvalidInput) as refused:
        attach("staff", activity_id, filename, data)
    assert refused.value.errors["file"][0] == key
    assert attachment_count() == 0
    assert stored_files() == []


def test_only_those_who_may_edit_the_record_attach_and_only_within_scope(world: World) -> None:
    activity_id = log(world, org_id=world.nodes["詹家拐子社区"])
    with pytest.raises(PermissionDenied):
        attach("leader", activity_id, "photo.png", PNG)
    with pytest.raises(NotFound):
        attach("staff.zjt", activity_id, "photo.png", PNG)
    assert attachment_count() == 0
    photo = attach("staff", activity_id, "photo.png", PNG)
    with pytest.raises(NotFound), session_scope() as session:
        attachments.read(session=session, actor=actor_for(session, "leader.zjt"), attachment_id=photo)
