"""backend.core.uploads: the one check of an uploaded file's size and type (no database)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from backend.core.errors import ApplicationError
from backend.core.uploads import Refusal, validate_upload

TOO_LARGE = Refusal("X_TOO_LARGE", "文件过大", "too large")
WRONG_TYPE = Refusal("X_TYPE", "类型不对", "wrong type")
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
)  # a Windows executable's head
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format=fmt)
    return out.getvalue()


def check(upload: SimpleUploadedFile, **kwargs):
    options = {"kinds": ("pdf", "jpeg", "png"), "max_bytes": 1024 * 1024, **kwargs}
    return validate_upload(upload, too_large=TOO_LARGE, wrong_type=WRONG_TYPE, **options)


@pytest.mark.parametrize(
    ("name", "content", "kind", "content_type"),
    [
        ("scan.png", image("PNG"), "png", "image/png"),
        ("photo.jpg", image("JPEG"), "jpeg", "image/jpeg"),
        ("photo.JPEG", image("JPEG"), "jpeg", "image/jpeg"),
        ("note.pdf", PDF, "pdf", "application/pdf"),
    ],
)
def test_a_real_png_jpeg_or_pdf_is_accepted(name, content, kind, content_type):
    # given a real file under its own extension
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")

    # when
    checked = check(upload)

    # then its kind comes from its bytes, its bytes are returned and the file can be read again from the start
    assert (checked.kind, checked.content_type, checked.size) == (kind, content_type, len(content))
    assert checked.data == content and upload.read() == content


@pytest.mark.parametrize("match", ["name", "content"])
def test_an_exe_renamed_jpg_is_refused_whatever_the_browser_says(match):
    # given a program named like a photo, sent as image/jpeg
    upload = SimpleUploadedFile("photo.jpg", EXE, content_type="image/jpeg")

    # when / then
    with pytest.raises(ApplicationError) as refused:
        check(upload, match=match, name_key="file")
    assert refused.value.code == "X_TYPE" and refused.value.status == 400
    assert (refused.value.message, refused.value.message_en) == ("类型不对", "wrong type")
    assert refused.value.details["file"] == "photo.jpg"


def test_a_real_file_under_another_kinds_extension_is_refused_by_name():
    # given a PNG named .pdf
    upload = SimpleUploadedFile("scan.pdf", image("PNG"))

    # when / then: the name and the bytes must agree
    with pytest.raises(ApplicationError) as refused:
        check(upload)
    assert refused.value.code == "X_TYPE"
    assert refused.value.details == {"allowed": [".jpeg", ".jpg", ".pdf", ".png"]}


def test_by_content_the_name_is_not_read_and_pillow_must_read_the_image():
    # given a PNG named .jpg, and a file that only begins like a JPEG
    renamed = SimpleUploadedFile("photo.jpg", image("PNG"))
    truncated = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff" + b"0" * 100)

    # when
    checked = check(renamed, kinds=("jpeg", "png", "webp"), match="content")

    # then the PNG is taken as a PNG; the fake JPEG is refused with the content types allowed
    assert (checked.kind, checked.extension) == ("png", "png")
    with pytest.raises(ApplicationError) as refused:
        check(truncated, kinds=("jpeg", "png", "webp"), match="content")
    assert refused.value.details == {"allowed": ["image/jpeg", "image/png", "image/webp"]}


def test_a_file_over_the_limit_is_refused_before_it_is_read():
    # given a PDF one byte over the caller's limit
    upload = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 96)

    # when / then
    with pytest.raises(ApplicationError) as refused:
        check(upload, max_bytes=100)
    assert refused.value.code == "X_TOO_LARGE" and refused.value.details == {"max_bytes": 100}
    assert upload.tell() == 0


def test_at_the_limit_is_accepted_and_an_empty_file_only_where_the_caller_allows_it():
    # given a PDF of exactly the limit, and an empty file
    exact = SimpleUploadedFile("ok.pdf", b"%PDF-" + b"0" * 95)
    empty = SimpleUploadedFile("empty.pdf", b"")

    # when / then
    assert check(exact, max_bytes=100).size == 100
    with pytest.raises(ApplicationError) as refused:
        check(empty, refuse_empty=True)
    assert refused.value.code == "X_TOO_LARGE"
    with pytest.raises(ApplicationError) as wrong:
        check(empty)  # not refused for its size, but nothing in it is a PDF
    assert wrong.value.code == "X_TYPE"
