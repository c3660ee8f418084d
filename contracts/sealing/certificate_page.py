"""The signing certificate page (签署证书页): drawn with reportlab, appended to the agreement as an incremental update.

Chinese comes first, English below. The font is WenQuanYi Zen Hei from fonts-wqy-zenhei: its TTC holds
TrueType outlines, which reportlab can subset and embed (with a ToUnicode map, so pdftotext recovers the
text). The CFF-based Noto CJK OpenType fonts cannot be embedded by reportlab.
"""

from __future__ import annotations

import functools
import io
import threading
import zoneinfo
from pathlib import Path
from xml.sax.saxutils import escape

import qrcode
import qrcode.constants
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import (
    _ObjectImporter,
)  # the deep copy behind import_object, shared across pages
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from contracts.sealing.records import (
    PARTY_ROLE_LABELS,
    VERIFICATION_METHOD_LABELS,
    SigningRecord,
)

FONT_NAME = "XuetuWQYZenHei"
FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
FONT_SUBFONT_INDEX = 0  # 0: WenQuanYi Zen Hei, 1: Mono, 2: Sharp
DISPLAY_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")

_font_lock = threading.Lock()


class CertificatePageError(Exception):
    pass


def register_font() -> str:
    """Load the CJK font once per process (about 0.15 s) and register it with reportlab."""
    with _font_lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            if not FONT_PATH.exists():
                raise CertificatePageError(
                    f"找不到中文字体 {FONT_PATH}（请安装 fonts-wqy-zenhei） / "
                    f"CJK font {FONT_PATH} missing (install fonts-wqy-zenhei)"
                )
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH), subfontIndex=FONT_SUBFONT_INDEX))
    return FONT_NAME


_register_font = register_font  # the name the tests knew it by


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, bulletFontName=font, fontSize=9, leading=13, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=22),
        "title_en": ParagraphStyle("title_en", parent=base, fontSize=11, leading=15, textColor=colors.grey),
        "heading": ParagraphStyle("heading", parent=base, fontSize=11, leading=16, spaceBefore=6),
        "body": base,
        "en": ParagraphStyle(
            "en", parent=base, fontSize=7.5, leading=10, textColor=colors.HexColor("#444444")
        ),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11),
    }


@functools.lru_cache(maxsize=64)
def _qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR modules of `url` (cached: every certificate page of a deployment carries the same URL). The mask is
    fixed, skipping qrcode's evaluation of all eight masks (about 8 ms); any mask is valid."""
    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=0)
    qr.add_data(url)
    qr.make(fit=True)
    return tuple(tuple(row) for row in qr.get_matrix())


class QrCode(Flowable):
    """A vector QR code: the qrcode package computes the modules; one filled path draws them."""

    def __init__(self, url: str, size: float) -> None:
        super().__init__()
        self.matrix = _qr_matrix(url)
        self.width = self.height = size

    def draw(self) -> None:
        cell = self.width / len(self.matrix)
        canvas = self.canv
        path = canvas.beginPath()
        for row_index, row in enumerate(self.matrix):
            y = self.height - (row_index + 1) * cell
            col = 0
            while col < len(row):
                if row[col]:
                    start = col
                    while col < len(row) and row[col]:
                        col += 1
                    path.rect(start * cell, y, (col - start) * cell, cell)
                else:
                    col += 1
        canvas.setFillColor(colors.black)
        canvas.drawPath(path, stroke=0, fill=1)


def _fmt_time(value) -> str:
    return value.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _hex_block(digest: str) -> str:
    """Break a 64-character digest into groups so that it wraps cleanly."""
    return " ".join(digest[i : i + 16] for i in range(0, len(digest), 16))


SIGNER_CAPACITY_LABELS: dict[str, tuple[str, str]] = {
    "legal_representative": ("法定代表人", "legal representative"),
    "authorised": ("授权签字人", "authorised signatory"),
}


def _image(png: bytes, max_width: float, max_height: float) -> Image:
    picture = Image(io.BytesIO(png))
    scale = min(max_width / picture.imageWidth, max_height / picture.imageHeight)
    picture.drawWidth, picture.drawHeight = picture.imageWidth * scale, picture.imageHeight * scale
    picture.hAlign = "LEFT"
    return picture


def _signer_cell(event, st: dict[str, ParagraphStyle]) -> list:
    """The signer's name, the capacity a company's or school's signatory signs in, the drawn signature and seal."""
    cell: list = [_p(event.signer_name, st["small"])]
    if event.signer_title:
        zh, en = SIGNER_CAPACITY_LABELS.get(event.signer_title, (event.signer_title, event.signer_title))
        cell += [_p(zh, st["small"]), _p(en, st["en"])]
    if event.drawing_png:
        cell.append(_image(event.drawing_png, 32 * mm, 11 * mm))
    if event.seal_png:
        cell.append(_image(event.seal_png, 16 * mm, 16 * mm))
    return cell


def render_certificate_page(record: SigningRecord) -> bytes:
    """Return a PDF (one page, more if there are many events) with the signing certificate."""
    font = register_font()
    st = _styles(font)
    story: list = []

    story.append(_p("电子签署证书", st["title"]))
    story.append(_p("Certificate of electronic signing", st["title_en"]))
    story.append(Spacer(1, 2 * mm))

    summary_rows = [
        ("协议编号", "Agreement", record.agreement_reference),
        ("协议名称", "Title", record.agreement_title),
        ("模板版本", "Template version", record.template_version),
        ("未签署文件 SHA-256", "SHA-256 of the unsigned PDF", _hex_block(record.unsigned_pdf_sha256)),
        ("封存时间", "Sealed at", _fmt_time(record.sealed_at) + "（北京时间 UTC+8）"),
        ("验证地址", "Verification URL", record.verification_url),
    ]
    summary_table = Table(
        [[[_p(zh, st["body"]), _p(en, st["en"])], _p(value, st["body"])] for zh, en, value in summary_rows],
        colWidths=[42 * mm, 88 * mm],
    )
    summary_table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    qr_size = 36 * mm
    header = Table(
        [
            [
                summary_table,
                [QrCode(record.verification_url, qr_size), _p("扫码验证 / Scan to verify", st["en"])],
            ]
        ],
        colWidths=[134 * mm, qr_size + 6 * mm],
    )
    header.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(header)

    story.append(_p("签约各方", st["heading"]))
    story.append(_p("Parties", st["en"]))
    party_rows = [[_p("角色 / Role", st["body"]), _p("名称 / Name", st["body"])]]
    for party in record.parties:
        zh, en = PARTY_ROLE_LABELS.get(party.role, (party.role, party.role))
        party_rows.append([_p(f"{zh} / {en}", st["small"]), _p(party.name, st["small"])])
    parties_table = Table(party_rows, colWidths=[60 * mm, 110 * mm])
    parties_table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    story.append(parties_table)

    story.append(_p("签署记录（时间为北京时间 UTC+8）", st["heading"]))
    story.append(_p("Signing history (times in Beijing time, UTC+8)", st["en"]))
    header_cells = [
        ("签署方", "Party"),
        ("签署人", "Signed by"),
        ("签署时间", "Time"),
        ("IP 地址", "IP address"),
        ("验证方式", "Verification"),
    ]
    history_rows: list[list] = [[[_p(zh, st["small"]), _p(en, st["en"])] for zh, en in header_cells]]
    row_styles: list[tuple] = []
    for event in record.events:
        role_zh, role_en = PARTY_ROLE_LABELS.get(event.role, (event.role, event.role))
        method_zh, method_en = VERIFICATION_METHOD_LABELS.get(
            event.verification_method, (event.verification_method, event.verification_method)
        )
        main_row = len(history_rows)
        history_rows.append(
            [
                [_p(role_zh, st["small"]), _p(role_en, st["en"])],
                _signer_cell(event, st),
                _p(_fmt_time(event.signed_at), st["small"]),
                _p(event.ip_address, st["small"]),
                [_p(method_zh, st["small"]), _p(method_en, st["en"])],
            ]
        )
        history_rows.append(
            [
                [
                    _p(
                        f"同意文本 SHA-256 / SHA-256 of the text agreed: {event.agreed_text_sha256}", st["en"]
                    ),
                    _p(f"设备 / User agent: {event.user_agent[:300]}", st["en"]),
                ],
                "",
                "",
                "",
                "",
            ]
        )
        row_styles += [
            ("SPAN", (0, main_row + 1), (-1, main_row + 1)),
            ("LINEABOVE", (0, main_row), (-1, main_row), 0.4, colors.grey),
        ]
    history = Table(history_rows, colWidths=[28 * mm, 36 * mm, 34 * mm, 26 * mm, 46 * mm], repeatRows=1)
    history.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("BOX", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                *row_styles,
            ]
        )
    )
    story.append(history)

    story.append(Spacer(1, 3 * mm))
    story.append(
        _p(
            "本证书页由学徒（xuetu）平台在全部签约方完成签署后自动生成，并与协议正文一起以平台证书进行数字签名。"
            "对文件的任何改动都会使数字签名失效。请通过上方验证地址或二维码核验本文件。",
            st["body"],
        )
    )
    story.append(
        _p(
            "This page was generated by the xuetu platform after every party had signed, and was "
            "digitally signed together with the agreement using the platform's certificate. Any change "
            "to the file invalidates the signature. Verify this file at the URL or QR code above.",
            st["en"],
        )
    )

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title="电子签署证书 / Certificate of electronic signing",
        author="xuetu",
        invariant=False,
        initialFontName=font,
        initialFontSize=9,
        initialLeading=13,
    )
    # Start every page in the embedded font, so that no unembedded Helvetica resource is written.
    doc.build(story)
    return out.getvalue()


def add_certificate_pages(writer: IncrementalPdfFileWriter, certificate_pdf: bytes) -> int:
    """Append the certificate page(s) to the agreement as an incremental update: the agreement's own bytes stay
    exactly as they were (its SHA-256, printed on the certificate page, is that of the sealed file's first bytes),
    and nothing of the agreement is parsed or re-written, which keeps sealing fast."""
    certificate = PdfFileReader(io.BytesIO(certificate_pdf))
    importer = _ObjectImporter(source=certificate, target=writer, obj_stream=None, reference_map={})
    count = int(certificate.root["/Pages"]["/Count"])
    for index in range(count):
        page_ref, resources = certificate.find_page_for_modification(index)
        page = page_ref.get_object()
        copy = generic.DictionaryObject()
        for key in page:
            if key != "/Parent":
                copy[generic.NameObject(key)] = importer.import_object(page.raw_get(key))
        copy[generic.NameObject("/Resources")] = importer.import_object(resources)
        writer.insert_page(copy)
    return count


def open_agreement(unsigned_pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(unsigned_pdf), strict=False)
        int(writer.root["/Pages"]["/Count"])
    except Exception as exc:  # a broken file fails in many ways
        raise CertificatePageError(f"协议 PDF 无法读取 / the agreement PDF cannot be read: {exc}") from exc
    return writer


def append_certificate_page(unsigned_pdf: bytes, record: SigningRecord) -> bytes:
    """The agreement with the certificate page(s) appended (unsigned; sealing signs in the same update)."""
    writer = open_agreement(unsigned_pdf)
    add_certificate_pages(writer, render_certificate_page(record))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
