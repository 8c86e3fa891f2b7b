"""The class journal for print: an A4 landscape table in the embedded Liberation Serif."""

from __future__ import annotations

from html import escape

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from gateways.gradebook.journal_xlsx import cell_text, pupil_name
from gateways.pdf.fonts import FONT_FAMILY, font_face_css
from tsos.gradebook.views import ClassJournal

STYLE = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: '%(family)s'; font-size: 9pt; }
h1 { font-size: 12pt; margin: 0 0 4mm 0; }
table { border-collapse: collapse; width: 100%%; }
th, td { border: 0.5pt solid #000; padding: 1mm; text-align: center; }
td.name { text-align: left; white-space: nowrap; }
.topics td { text-align: left; }
p.note { font-size: 8pt; }
"""


def journal_html(journal: ClassJournal) -> str:
    heads = "".join(f"<th>{lesson.date:%d.%m}</th>" for lesson in journal.lessons)
    rows = []
    for number, row in enumerate(journal.pupils, start=1):
        cells = "".join(f"<td>{escape(cell_text(row, lesson.id))}</td>"
                        for lesson in journal.lessons)
        term = row.term_mark.value if row.term_mark is not None else ""
        rows.append(f"<tr><td>{number}</td><td class='name'>{escape(pupil_name(row))}</td>"
                    f"{cells}<td>{escape(row.average or '')}</td><td>{escape(term)}</td></tr>")
    topics = "".join(
        f"<tr><td>{lesson.date:%d.%m.%Y}</td><td>{escape(lesson.topic or '')}</td>"
        f"<td>{escape(lesson.homework or '')}</td></tr>" for lesson in journal.lessons)
    title = (f"Журнал {escape(journal.class_name)} класса — {escape(journal.subject_name)}, "
             f"{journal.start:%d.%m.%Y}–{journal.end:%d.%m.%Y}")
    return (
        f"<html lang='ru'><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<h1>{title}</h1><table><thead><tr><th>№</th><th>Обучающийся</th>{heads}"
        f"<th>Ср. балл</th><th>За период</th></tr></thead><tbody>{''.join(rows)}</tbody>"
        f"</table><h1 style='margin-top:6mm'>Темы уроков и домашние задания</h1>"
        f"<table class='topics'><tbody>{topics}</tbody></table>"
        f"<p class='note'>н — отсутствовал(а), оп — опоздал(а), * — отметка не опубликована. "
        f"Средний балл — по опубликованным отметкам, без округления "
        f"(политика {journal.policy_id}, версия {journal.policy_version}).</p>"
        f"</body></html>"
    )


def journal_pdf(journal: ClassJournal) -> bytes:
    fonts = FontConfiguration()
    css = CSS(string=font_face_css() + STYLE % {"family": FONT_FAMILY}, font_config=fonts)
    pdf = HTML(string=journal_html(journal)).write_pdf(stylesheets=[css], font_config=fonts)
    assert pdf is not None
    return pdf
