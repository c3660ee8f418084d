"""Each party's marks in the agreement's own signature blocks (签字/盖章): the signer's name and capacity, the
signing time in Beijing time, the signature drawn on the screen and, for the company and the school, the seal image.

The blocks are found in the unsigned PDF by their printed labels (甲方（学校）… （盖章） … （签字）： … 日期：/签署时间：);
the marks are drawn with reportlab on a transparent page, imported as a form XObject and painted over the block's
page in the same incremental update that appends the certificate page. The agreement's own bytes stay as the
parties agreed to them, and the marks are covered by the platform's signature like everything else.

Django-free.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

import pypdf
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.lib import colors
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from contracts.sealing.certificate_page import DISPLAY_TZ, register_font
from contracts.sealing.records import SignatureEvent

# How each party's block starts in the shipped templates (templates/agreements/build_templates.py).
BLOCK_HEADINGS: dict[str, str] = {
    "school": "甲方（学校）",
    "company": "乙方（企业）",
    "student": "丙方（学生）",
    "guardian": "丁方（监护人）",
}
SEAL_LABEL = "（盖章）"
SIGN_LABEL = "（签字）"
DATE_LABELS = ("签署时间：", "日期：")
PAGES_SEARCHED = 3  # the signature blocks are on the agreement's last pages

SIGNER_ROLE_LABELS: dict[str, str] = {
    "student": "学生本人",
    "guardian": "监护人",
    "legal_representative": "法定代表人",
    "authorised": "授权签字人",
}

DRAWING_BOX = (120.0, 42.0)  # points: the largest the drawn signature is painted
SEAL_SIZE = 96.0  # points (about 34 mm): a seal stamped over the （盖章） label
NAME_FONT_SIZE = 9.0


@dataclass(frozen=True)
class Line:
    x: float
    y: float
    text: str
    size: float


@dataclass(frozen=True)
class SignatureBlock:
    """Where one party's block is: the page, its column's left edge and the lines of its labels."""

    role: str
    page_index: int
    heading: Line
    sign: Line
    seal: Line | None
    date: Line | None


def _lines(page: pypdf.PageObject) -> list[Line]:
    """The page's text as lines: fragments with the same baseline in the same half of the page are one line."""
    middle = float(page.mediabox.width) / 2
    fragments: dict[tuple[int, bool], list[tuple[float, str, float]]] = {}

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        fragments.setdefault((round(y), x >= middle), []).append((x, text, size * (abs(tm[0]) or 1)))

    page.extract_text(visitor_text=visit)
    lines = []
    for (y, _right), parts in fragments.items():
        parts.sort()
        lines.append(
            Line(x=parts[0][0], y=float(y), text="".join(p[1] for p in parts).strip(), size=parts[0][2])
        )
    return lines


def find_signature_blocks(pdf: bytes) -> dict[str, SignatureBlock]:
    """The signature blocks of the parties, searched on the last pages; a party without a block is left out."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found: dict[str, SignatureBlock] = {}
    count = len(reader.pages)
    for page_index in range(count - 1, max(count - 1 - PAGES_SEARCHED, -1), -1):
        lines = _lines(reader.pages[page_index])
        for role, heading_text in BLOCK_HEADINGS.items():
            if role in found:
                continue
            heading = next((ln for ln in lines if ln.text.startswith(heading_text)), None)
            if heading is None:
                continue
            # the block's own lines: the same column, below the heading, above the next heading in that column
            column = sorted(
                (ln for ln in lines if abs(ln.x - heading.x) < 2 and ln.y < heading.y), key=lambda ln: -ln.y
            )
            own: list[Line] = []
            for ln in column:
                if any(ln.text.startswith(h) for h in BLOCK_HEADINGS.values()):
                    break
                own.append(ln)
            sign = next((ln for ln in own if SIGN_LABEL in ln.text), None)
            if sign is None:  # a mention of the party, not its signature block
                continue
            found[role] = SignatureBlock(
                role=role,
                page_index=page_index,
                heading=heading,
                sign=sign,
                seal=next((ln for ln in own if SEAL_LABEL in ln.text), None),
                date=next((ln for ln in own if ln.text.startswith(DATE_LABELS)), None),
            )
        if len(found) == len(BLOCK_HEADINGS):
            break
    return found


def _text_width(text: str, font: str, size: float) -> float:
    return stringWidth(text, font, size)


def _draw_image(pdf: canvas.Canvas, png: bytes, x: float, y: float, box: tuple[float, float]) -> None:
    """Paint a PNG (transparency kept) inside the box whose lower-left corner is (x, y), aspect kept."""
    image = ImageReader(io.BytesIO(png))
    width, height = image.getSize()
    scale = min(box[0] / width, box[1] / height)
    pdf.drawImage(image, x, y, width * scale, height * scale, mask="auto")


def _fill_date_blanks(pdf: canvas.Canvas, font: str, line: Line, local: dt.datetime) -> None:
    """Write the year, month and day into the blanks before 年, 月 and 日, as a person would, and the time after."""
    size = line.size or 11
    text = line.text
    start = len(DATE_LABELS[1])
    for marker, value in (("年", f"{local:%Y}"), ("月", f"{local.month}"), ("日", f"{local.day}")):
        end = text.find(marker, start)
        if end < 0:
            break
        left = line.x + _text_width(text[:start], font, size)
        right = line.x + _text_width(text[:end], font, size)
        pdf.drawCentredString((left + right) / 2, line.y, value)
        start = end + 1
    x = line.x + _text_width(text[:start], font, size) + 4
    pdf.setFont(font, NAME_FONT_SIZE - 1)
    pdf.drawString(x, line.y, f"{local:%H:%M}（北京时间）")


def _draw_block(pdf: canvas.Canvas, font: str, block: SignatureBlock, event: SignatureEvent) -> None:
    sign = block.sign
    label_size = sign.size or 11
    # under the （签字）： line: the drawn signature, and the printed name and capacity to its right
    top = sign.y - 4
    drawing_y = top - DRAWING_BOX[1]
    if event.drawing_png:
        _draw_image(pdf, event.drawing_png, sign.x + 4, drawing_y, DRAWING_BOX)
    pdf.setFillColor(colors.HexColor("#1F3A93"))
    pdf.setFont(font, NAME_FONT_SIZE + 1)
    name_x = sign.x + DRAWING_BOX[0] + 10
    pdf.drawString(name_x, top - 14, event.signer_name)
    capacity = SIGNER_ROLE_LABELS.get(event.signer_title or event.role, event.signer_title)
    if capacity:
        pdf.setFont(font, NAME_FONT_SIZE - 1)
        pdf.drawString(name_x, top - 27, capacity)
    # on the date line: the signing time
    local = event.signed_at.astimezone(DISPLAY_TZ)
    when = local.strftime("%Y-%m-%d %H:%M") + "（北京时间）"
    pdf.setFont(font, NAME_FONT_SIZE)
    if block.date is None:
        pdf.drawString(name_x, top - 38, when)
    elif block.date.text.startswith(DATE_LABELS[0]):  # 签署时间： the time follows the label
        x = block.date.x + _text_width(DATE_LABELS[0], font, block.date.size or label_size) + 4
        pdf.drawString(x, block.date.y, when)
    else:  # 日期：　　　年　　月　　日 (the first shipped templates): fill in the blanks, the time after 日
        _fill_date_blanks(pdf, font, block.date, local)
    # over the （盖章） label: the organisation's seal
    if event.seal_png:
        anchor = block.seal or block.heading
        centre_x = anchor.x + _text_width(SEAL_LABEL, font, anchor.size or label_size) / 2 + 30
        centre_y = anchor.y + (anchor.size or label_size) / 2
        _draw_image(
            pdf, event.seal_png, centre_x - SEAL_SIZE / 2, centre_y - SEAL_SIZE / 2, (SEAL_SIZE, SEAL_SIZE)
        )
    pdf.setFillColor(colors.black)


def render_marks(
    page_size: tuple[float, float], placed: Iterable[tuple[SignatureBlock, SignatureEvent]]
) -> bytes:
    """One transparent page of the given size holding the marks of the blocks on it."""
    font = register_font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=page_size, invariant=True, pageCompression=1)
    pdf.setFont(font, NAME_FONT_SIZE)
    for block, event in placed:
        _draw_block(pdf, font, block, event)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def stamp_signature_marks(
    writer: IncrementalPdfFileWriter, unsigned_pdf: bytes, events: Iterable[SignatureEvent]
) -> list[str]:
    """Paint each signed party's marks in its block, as part of the writer's pending update. Returns the roles
    stamped (a party whose block the template does not have is only on the certificate page)."""
    blocks = find_signature_blocks(unsigned_pdf)
    by_page: dict[int, list[tuple[SignatureBlock, SignatureEvent]]] = {}
    for event in events:
        block = blocks.get(event.role)
        if block is not None:
            by_page.setdefault(block.page_index, []).append((block, event))
    stamped: list[str] = []
    for page_index, placed in sorted(by_page.items()):
        page_ref, _resources = writer.find_page_for_modification(page_index)
        box = [float(v) for v in page_ref.get_object()["/MediaBox"]]
        overlay = render_marks((box[2] - box[0], box[3] - box[1]), placed)
        xobject = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(overlay)))
        name = generic.NameObject(f"/XuetuSignatureMarks{page_index}")
        # wrap the page's own content in q/Q so that whatever state it leaves, the marks start from the default
        writer.add_stream_to_page(
            page_index, writer.add_object(generic.StreamObject(stream_data=b"q\n")), prepend=True
        )
        writer.add_stream_to_page(
            page_index,
            writer.add_object(
                generic.StreamObject(
                    stream_data=f"Q\nq 1 0 0 1 {box[0]:g} {box[1]:g} cm {name} Do Q\n".encode()
                )
            ),
            resources=generic.DictionaryObject(
                {generic.NameObject("/XObject"): generic.DictionaryObject({name: xobject})}
            ),
        )
        stamped += [block.role for block, _event in placed]
    return stamped
