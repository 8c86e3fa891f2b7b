"""A справка об обучении on a plain page: issued instead of the attestat when ГИА was not
passed (273-ФЗ ст. 60 ч. 12, by the school's own sample; certificates.md §2).

It names the graduate and the school, says why it replaces the attestat, and lists the
subjects with the final marks that could be given and the state exam results, with the
registration number of the book, the date in words and the head's name for signature.
"""

import logging
from dataclasses import dataclass
from datetime import date
from html import escape
from importlib import resources
from string import Template

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from gateways.pdf.errors import InvalidCertificateData
from gateways.pdf.fonts import FONT_FAMILY, font_face_css
from gateways.pdf.wording import PASSED, date_in_digits, date_in_words, mark_text

logger = logging.getLogger(__name__)

TITLE = "Справка об обучении"
LAW = (
    "часть 12 статьи 60 Федерального закона от 29 декабря 2012 года № 273-ФЗ "
    "«Об образовании в Российской Федерации»"
)


@dataclass(frozen=True)
class StudyRecordLine:
    """A subject of the curriculum and its final mark; None when none could be given."""

    subject: str
    mark: int | str | None
    note: str | None = None


@dataclass(frozen=True)
class StudyRecordDocument:
    document_id: str
    last_name: str
    first_name: str
    patronymic: str | None
    birth_date: date
    school_name: str
    # «основного общего образования» / «среднего общего образования».
    programme: str
    final_grade: int
    registration_number: str
    issue_date: date
    head_name: str
    lines: tuple[StudyRecordLine, ...]
    exams: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    is_duplicate: bool = False


def _mark(line: StudyRecordLine) -> str:
    if line.mark is None:
        return "не выставлена"
    if line.mark == 2:
        return "2 (неудовлетворительно)"
    if isinstance(line.mark, str) and line.mark.strip() != PASSED:
        return line.mark
    return mark_text(line.mark)


def build_study_record_html(doc: StudyRecordDocument) -> str:
    if not doc.lines:
        raise InvalidCertificateData("В справке нет ни одного учебного предмета.")
    full_name = " ".join(p for p in (doc.last_name, doc.first_name, doc.patronymic) if p)
    rows = []
    for line in doc.lines:
        note = f"<br><small>{escape(line.note)}</small>" if line.note else ""
        rows.append(
            f"<tr><td>{escape(line.subject)}</td>"
            f'<td class="mark">{escape(_mark(line))}{note}</td></tr>'
        )
    exams = "".join(f"<li>{escape(item)}</li>" for item in doc.exams)
    reasons = "".join(f"<li>{escape(item)}</li>" for item in doc.reasons)
    body = Template(
        """<p class="school">$school</p>
$duplicate<h1>СПРАВКА ОБ ОБУЧЕНИИ</h1>
<p class="number">Регистрационный номер $number</p>
<p>Выдана $name, дата рождения $birth, в том, что $name обучался(-ась) в $school
по образовательной программе $programme и окончил(-а) $grade класс, не пройдя
государственную итоговую аттестацию или получив на ней неудовлетворительные результаты
($law). Справка выдаётся вместо аттестата.</p>
<p>Итоговые отметки по учебным предметам:</p>
<table><thead><tr><th>Учебный предмет</th><th>Итоговая отметка</th></tr></thead>
<tbody>$rows</tbody></table>
$exams_block$reasons_block<p>Дата выдачи: $issued</p>
<p class="signature">Руководитель организации, осуществляющей образовательную
деятельность: ____________________ $head</p>
<p>М.П.</p>"""
    ).substitute(
        school=escape(doc.school_name),
        duplicate='<p class="duplicate">ДУБЛИКАТ</p>' if doc.is_duplicate else "",
        number=escape(doc.registration_number),
        name=escape(full_name),
        birth=date_in_digits(doc.birth_date),
        programme=escape(doc.programme),
        grade=doc.final_grade,
        law=LAW,
        rows="".join(rows),
        exams_block=(
            f"<p>Результаты государственной итоговой аттестации:</p><ul>{exams}</ul>"
            if exams
            else ""
        ),
        reasons_block=(
            f"<p>Основание выдачи справки:</p><ul>{reasons}</ul>" if reasons else ""
        ),
        issued=date_in_words(doc.issue_date),
        head=escape(doc.head_name),
    )
    return (
        '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">'
        f"<title>{TITLE}</title></head><body>{body}</body></html>"
    )


def render_study_record_pdf(doc: StudyRecordDocument) -> bytes:
    html = build_study_record_html(doc)
    font_config = FontConfiguration()
    css_text = (
        resources.files("gateways.pdf")
        .joinpath("templates")
        .joinpath("study_record.css")
        .read_text("utf-8")
    )
    css = CSS(
        string=font_face_css() + Template(css_text).substitute(family=FONT_FAMILY),
        font_config=font_config,
    )
    pdf = HTML(string=html).write_pdf(stylesheets=[css], font_config=font_config)
    logger.info("study record pdf rendered: document_id=%s", doc.document_id)
    return pdf
