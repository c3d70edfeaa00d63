"""The membership card: its layout is measured from WeasyPrint's boxes, and the PDF is rendered to a PNG that a
person can look at (test-artifacts/card.png)."""

from pathlib import Path

import pytest
from django.template.loader import render_to_string

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"


def _text_boxes(html: str):
    from weasyprint import HTML

    page = HTML(string=html).render().pages[0]._page_box

    def walk(box):
        yield box
        for child in getattr(box, "children", None) or []:
            yield from walk(child)

    return page, [b for b in walk(page) if type(b).__name__ == "TextBox"]


def test_card_labels_never_overlap_their_values(world):
    """Regression: "Berlaku sejak" ran into the date (issue: card layout)."""
    m = world.sites["A"].membership
    m.worker.full_name = "Siti Aminah Binti Abdullah Al Mukarramah"
    m.payer.name = "Pemerintah Kabupaten Penajam Paser Utara (Badan Kepegawaian Daerah)"
    html = render_to_string(
        "enrollment/card.html",
        {"m": m, "masked_nik": "647101******0001", "qr_svg": "", "url": "x", "programmes": ["JKK", "JKM", "JHT"]},
    )
    page, boxes = _text_boxes(html)
    by_text = {b.text: b for b in boxes}
    labels = ["No. SiJaga", "NIK", "Program", "Pembayar", "Berlaku sejak"]
    value_left = min(b.position_x for b in boxes if b.text.startswith(("25", "647101", "JKK", "Pemerintah", "1 ")))
    for label in labels:
        box = by_text[label]
        assert box.position_x + box.width < value_left, f"{label!r} overlaps its value"
    qr_left = page.width - 3 / 25.4 * 96 - 22 / 25.4 * 96  # right: 3mm, width: 22mm
    for b in boxes:
        assert b.position_x + b.width <= page.width, f"{b.text!r} runs off the card"
        top = b.position_y
        if 12.5 / 25.4 * 96 <= top <= 34.5 / 25.4 * 96 and b.text not in ("QR",):
            assert b.position_x + b.width <= qr_left, f"{b.text!r} runs under the QR code"


def test_card_pdf_renders_to_png(world):
    import pypdfium2 as pdfium

    from sijaga.enrollment.services import card_pdf

    pdf = card_pdf(world.users["coordinator"], world.sites["A"].membership)
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1
    page = document[0]
    width_mm, height_mm = page.get_width() / 72 * 25.4, page.get_height() / 72 * 25.4
    assert round(width_mm, 1) == 85.6 and round(height_mm, 1) == 54.0
    image = page.render(scale=4).to_pil()
    ARTIFACTS.mkdir(exist_ok=True)
    image.save(ARTIFACTS / "card.png")
    # not blank: the green band and the text are there
    assert len(image.convert("L").getcolors(maxcolors=256 * 256) or ()) > 10
