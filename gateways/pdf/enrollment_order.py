"""The enrollment order (приказ о зачислении в 1 класс) as a PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

from weasyprint import HTML

from gateways.pdf.fonts import FONT_FAMILY, font_face_css
from gateways.pdf.wording import date_in_words


@dataclass(frozen=True)
class OrderLine:
    position: int
    surname: str
    name: str
    patronymic: str | None
    birth_date: date
    order_id: int


@dataclass(frozen=True)
class EnrollmentOrderDocument:
    school_name: str
    number: str
    order_date: date
    school_year: str
    signed_by: str
    lines: list[OrderLine]


def build_order_html(doc: EnrollmentOrderDocument) -> str:
    rows = "\n".join(
        f"<tr><td>{line.position}</td><td>{escape(line.surname)} {escape(line.name)} "
        f"{escape(line.patronymic or '')}</td><td>{line.birth_date:%d.%m.%Y}</td>"
        f"<td>{line.order_id}</td></tr>"
        for line in doc.lines
    )
    return f"""<!doctype html><html lang="ru"><head><meta charset="utf-8"><style>
{font_face_css()}
@page {{ size: A4; margin: 20mm 15mm 20mm 25mm; }}
body {{ font-family: "{FONT_FAMILY}"; font-size: 12pt; }}
h1 {{ font-size: 14pt; text-align: center; margin: 0 0 4mm; }}
.school {{ text-align: center; font-weight: bold; }}
.meta {{ display: flex; justify-content: space-between; margin: 6mm 0; }}
table {{ width: 100%; border-collapse: collapse; margin-top: 4mm; }}
td, th {{ border: 0.5pt solid #000; padding: 1.5mm; font-size: 11pt; }}
th {{ font-weight: bold; }}
.sign {{ margin-top: 12mm; }}
</style></head><body>
<p class="school">{escape(doc.school_name)}</p>
<h1>ПРИКАЗ</h1>
<div class="meta"><span>{escape(date_in_words(doc.order_date))}</span>
<span>№ {escape(doc.number)}</span></div>
<p><b>О зачислении в 1 класс на {escape(doc.school_year)} учебный год</b></p>
<p>В соответствии с Порядком приёма на обучение по образовательным программам начального
общего, основного общего и среднего общего образования, на основании заявлений родителей
(законных представителей) и представленных документов ПРИКАЗЫВАЮ:</p>
<p>Зачислить в 1 класс следующих детей ({len(doc.lines)}):</p>
<table><thead><tr><th>№</th><th>Фамилия, имя, отчество</th><th>Дата рождения</th>
<th>№ заявления ЕПГУ</th></tr></thead><tbody>
{rows}
</tbody></table>
<p class="sign">Руководитель: ____________ / {escape(doc.signed_by)}</p>
</body></html>"""


def render_order_pdf(doc: EnrollmentOrderDocument) -> bytes:
    return HTML(string=build_order_html(doc)).write_pdf()
