"""Attestat PDFs per second for a class of 100, against bare WeasyPrint on the same HTML.

Run: .venv/bin/python bench/bench_certificate_pdf.py
"""

import time
from datetime import date, timedelta

from weasyprint import HTML

from gateways.pdf import (
    CertificateDocument,
    CertificateKind,
    PrinterCalibration,
    SupplementLine,
    build_certificate_html,
    render_class_pdfs,
)

CLASS_SIZE = 100
SUBJECTS = (
    "Русский язык",
    "Литература",
    "Родной язык (русский)",
    "Иностранный язык (английский)",
    "Алгебра",
    "Геометрия",
    "Вероятность и статистика",
    "Информатика",
    "История",
    "Обществознание",
    "География",
    "Физика",
    "Химия",
    "Биология",
    "Музыка",
    "Труд (технология)",
    "Основы безопасности и защиты Родины",
    "Физкультура",
    "Основы духовно-нравственной культуры народов России",
    "Индивидуальный проект",
)
SURNAMES = ("Ёлкина", "Иванова-Петрова", "Смирнов", "Константинопольский", "Ли")


def _class() -> list[CertificateDocument]:
    docs = []
    for i in range(CLASS_SIZE):
        marks = [(5, 4, 3, 5)[(i + j) % 4] for j in range(len(SUBJECTS))]
        docs.append(
            CertificateDocument(
                document_id=f"doc-{i}",
                kind=CertificateKind.BASIC,
                last_name=SURNAMES[i % len(SURNAMES)],
                first_name="Анна",
                patronymic="Сергеевна" if i % 7 else None,
                birth_date=date(2010, 1, 1) + timedelta(days=i * 3),
                school_name=(
                    "Муниципальное бюджетное общеобразовательное учреждение «Средняя "
                    "общеобразовательная школа № 17 с углублённым изучением отдельных "
                    "предметов»"
                ),
                registration_number=f"{i + 1:03d}",
                issue_date=date(2026, 6, 25),
                head_name="И. И. Петрова",
                lines=tuple(
                    SupplementLine(s, m) for s, m in zip(SUBJECTS, marks, strict=True)
                ),
            )
        )
    return docs


def main() -> None:
    docs = _class()
    calibration = PrinterCalibration()
    # Warm-up: font loading, CSS parsing and imports are not what is measured.
    list(render_class_pdfs(docs[:2], calibration))

    started = time.perf_counter()
    ours = [r.pdf for r in render_class_pdfs(docs, calibration)]
    ours_seconds = time.perf_counter() - started
    assert all(ours)

    pages = [build_certificate_html(doc, calibration, inline_css=True) for doc in docs]
    HTML(string=pages[0]).write_pdf()
    started = time.perf_counter()
    for page in pages:
        HTML(string=page).write_pdf()
    bare_seconds = time.perf_counter() - started

    ours_rate = CLASS_SIZE / ours_seconds
    bare_rate = CLASS_SIZE / bare_seconds
    print(f"class of {CLASS_SIZE}, title + appendix (2 pages) per document")
    print(
        f"ours (fit + HTML + cached CSS/fonts): {ours_seconds:.2f} s, {ours_rate:.1f} PDF/s"
    )
    print(
        f"bare WeasyPrint on the same HTML:     {bare_seconds:.2f} s, {bare_rate:.1f} PDF/s"
    )
    print(f"ratio ours / bare: {ours_rate / bare_rate:.2f}")


if __name__ == "__main__":
    main()
