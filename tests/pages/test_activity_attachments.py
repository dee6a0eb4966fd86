"""The attachment uploader on a generated activity page: a real PNG is kept and listed; a program renamed .png is
refused with a clear message and nothing is stored."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from db.models import Attachment
from db.session import session_scope
from portal.i18n import t
from portal.services import attachments
from tests.pages.conftest import open_url, widget

KIND = "emergency_drill"


def tiny_png() -> bytes:
    """A real 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def stored_files() -> list[Attachment]:
    with session_scope() as session:
        return list(session.exec(select(Attachment).order_by(Attachment.id)).all())  # type: ignore[arg-type]


def open_first_drill(at: AppTest) -> int:
    record_id = int(at.main.dataframe[0].value.iloc[0]["#"])
    widget(at.selectbox, f"lc_{KIND}_open").select(record_id).run()
    assert not at.exception, at.exception
    return record_id


def upload(at: AppTest, record_id: int, name: str, data: bytes, generation: int = 0) -> AppTest:
    widget(at.file_uploader, f"lc_{KIND}_attach_{record_id}_{generation}").set_value((name, data, "image/png"))
    at.run()
    return widget(at.button, f"lc_{KIND}_attach_go_{record_id}").click().run()


def test_a_photo_is_kept_and_listed_a_renamed_program_is_refused(logged_in: Callable[[str], AppTest]) -> None:
    at = open_url(logged_in("staff"), KIND)
    record_id = open_first_drill(at)
    assert t("records.no_attachments", "zh") in [c.value for c in at.caption]

    at = upload(at, record_id, "setup.png", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200))  # a Windows program
    assert not at.exception, at.exception
    assert t("error.attachment_type", "zh") in " ".join(c.value for c in at.caption)
    assert stored_files() == []
    assert not attachments.storage_dir().exists() or not any(attachments.storage_dir().rglob("*"))

    photo = tiny_png()
    at = upload(at, record_id, "现场照片.png", photo)
    assert not at.exception, at.exception
    assert at.success[0].value == t("records.attached", "zh")
    (kept,) = stored_files()
    assert (kept.kind, kept.record_id, kept.filename, kept.media_type, kept.size) == (
        KIND,
        record_id,
        "现场照片.png",
        "image/png",
        len(photo),
    )
    listed = [b.label for b in at.download_button if b.key == f"lc_{KIND}_file_{kept.id}"]
    assert listed == ["现场照片.png (0 KB)"]
    assert t("records.no_attachments", "zh") not in [c.value for c in at.caption]
    assert widget(at.file_uploader, f"lc_{KIND}_attach_{record_id}_1") is not None  # an empty uploader again
