"""Files attached to engine-managed records (photos, sign-in sheets): images and PDF only, judged by their
content rather than their name, at most 10 MB each, kept under the data dir and named by their SHA-256."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path, PurePath

from sqlmodel import Session, col, select

from db.models import Attachment
from portal import clock
from portal.config import get_settings
from portal.defaults import ATTACHMENT_MAX_MB
from portal.lowcode import records
from portal.lowcode.declare import get_kind
from portal.services import audit
from portal.services.actor import Actor
from portal.services.errors import InvalidInput, NotFound, PermissionDenied

# What a file's first bytes say it is; the name and the browser's claimed type are not trusted.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


def sniff(data: bytes) -> str | None:
    """The media type the content is (image or PDF), or None."""
    for magic, media_type in SIGNATURES:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def storage_dir() -> Path:
    return get_settings().resolved_data_dir / "attachments"


def _path(sha256: str) -> Path:
    return storage_dir() / sha256[:2] / sha256


def attach(*, session: Session, actor: Actor, kind: str, record_id: int, filename: str, data: bytes) -> Attachment:
    """Keep a file with a record the actor may edit; InvalidInput ("file") when it is not an image or PDF or too big."""
    spec = get_kind(kind)
    if not spec.attachments or not records.allowed(spec, actor, "edit"):
        raise PermissionDenied("error.forbidden")
    records.get_record(session=session, actor=actor, kind=kind, record_id=record_id)  # NotFound outside scope
    if len(data) > ATTACHMENT_MAX_MB * 1024 * 1024:
        raise InvalidInput({"file": ("error.attachment_size", {"limit": ATTACHMENT_MAX_MB})})
    media_type = sniff(data)
    if media_type is None:
        raise InvalidInput({"file": ("error.attachment_type", {})})
    sha256 = hashlib.sha256(data).hexdigest()
    target = _path(sha256)
    if not target.exists():  # same content, same file: stored once
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{sha256}.{os.getpid()}")
        partial.write_bytes(data)
        partial.replace(target)  # atomic: a reader never sees half a file
    name = PurePath(filename.replace("\\", "/")).name[:200] or "file"
    row = Attachment(
        kind=kind,
        record_id=record_id,
        filename=name,
        media_type=media_type,
        size=len(data),
        sha256=sha256,
        uploaded_by_id=actor.user_id,
        uploaded_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session=session, actor=actor, kind=kind, record_id=record_id, action="attach", changes={"file": [None, name]}
    )
    return row


def list_attachments(*, session: Session, actor: Actor, kind: str, record_id: int) -> list[Attachment]:
    """The files of a record the actor may see, oldest first."""
    records.get_record(session=session, actor=actor, kind=kind, record_id=record_id)
    return list(
        session.exec(
            select(Attachment)
            .where(Attachment.kind == kind, Attachment.record_id == record_id, col(Attachment.deleted_at).is_(None))
            .order_by(col(Attachment.id))
        ).all()
    )


def read(*, session: Session, actor: Actor, attachment_id: int) -> tuple[Attachment, bytes]:
    """An attachment and its bytes, if the actor may see its record."""
    row = session.get(Attachment, attachment_id)
    if row is None or row.deleted_at is not None:
        raise NotFound("error.not_found")
    records.get_record(session=session, actor=actor, kind=row.kind, record_id=row.record_id)
    return row, _path(row.sha256).read_bytes()


def detach(*, session: Session, actor: Actor, attachment_id: int) -> None:
    """Remove a file from its record (soft: the audit log still names it)."""
    row = session.get(Attachment, attachment_id)
    if row is None or row.deleted_at is not None:
        raise NotFound("error.not_found")
    spec = get_kind(row.kind)
    if not records.allowed(spec, actor, "edit"):
        raise PermissionDenied("error.forbidden")
    records.get_record(session=session, actor=actor, kind=row.kind, record_id=row.record_id)
    row.deleted_at = clock.now()
    session.add(row)
    changes = {"file": [row.filename, None]}
    audit.record(session=session, actor=actor, kind=row.kind, record_id=row.record_id, action="detach", changes=changes)
