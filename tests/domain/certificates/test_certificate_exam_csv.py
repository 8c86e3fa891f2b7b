"""The CSV parser of state exam results: columns, forms and scales, errors per row."""

from __future__ import annotations

from datetime import date

from domain.certificates.exam_csv import parse_exam_results_csv
from domain.certificates.exams import ExamForm

HEADER = (
    "Код ученика;ФИО;Предмет;Форма;Первичный балл;Отметка;Тестовый балл;"
    "Минимальный балл;Пересдача;Дата экзамена"
)


def _csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


class TestValidFiles:
    def test_reads_oge_ege_and_gve_rows_with_a_bom(self) -> None:
        text = "\ufeff" + _csv(
            "p-1;Сидоров Пётр;Русский язык;ОГЭ;30;5;;15;нет;03.06.2026",
            "p-1;Сидоров Пётр;Математика;огэ;9;3;;8;;09.06.2026",
            "p-2;Орлова Анна;Математика (профильный уровень);ЕГЭ;;;78;27;;2026-06-04",
            "p-2;Орлова Анна;математика базовая;ЕГЭ;;5;;;;",
            "p-3;Котова Ирина;Русский язык;ГВЭ-11;;5;;;да;",
        )
        parsed = parse_exam_results_csv(text)

        assert parsed.ok, parsed.errors
        russian, maths, profile, basic, gve = parsed.results
        assert (
            russian.subject,
            russian.form,
            russian.mark,
            russian.primary_points,
        ) == (
            "russian",
            ExamForm.OGE,
            5,
            30,
        )
        assert russian.exam_date == date(2026, 6, 3)
        assert maths.minimum == 8 and not maths.is_retake
        assert (profile.subject, profile.score, profile.mark) == (
            "mathematics_profile",
            78,
            None,
        )
        assert (basic.subject, basic.mark) == ("mathematics_basic", 5)
        assert gve.form is ExamForm.GVE and gve.is_retake
        assert parsed.ignored_columns == ()

    def test_comma_separated_file_with_english_headers(self) -> None:
        text = _csv(
            "p-9,chemistry,ege,,,81,,no,",
            header=(
                "pupil_id,subject,form,primary_points,mark,score,minimum,retake,exam_date"
            ),
        )
        parsed = parse_exam_results_csv(text)

        assert parsed.ok
        assert parsed.results[0].score == 81

    def test_unknown_columns_are_listed_not_fatal(self) -> None:
        text = _csv(
            "p-1;Физика;ОГЭ;5;7А", header="Код ученика;Предмет;Форма;Отметка;Класс"
        )
        parsed = parse_exam_results_csv(text)

        assert parsed.ok
        assert parsed.ignored_columns == ("Класс",)


class TestRowErrors:
    def test_each_faulty_row_is_reported_and_the_rest_kept(self) -> None:
        text = _csv(
            "p-1;;Астрология;ОГЭ;;5;;;;",
            "p-1;;Физика;ЕГЕ;;5;;;;",
            "p-1;;Химия;ЕГЭ;;4;;;;",
            "p-1;;Русский язык;ОГЭ;5;4;;15;;",
            "p-1;;Биология;ОГЭ;;пять;;;;",
            "p-1;;География;ОГЭ;;4;;;может быть;",
            "p-1;;История;ОГЭ;;4;;;;31.06.2026",
            ";;Литература;ОГЭ;;4;;;;",
            "p-1;;Математика (профильный уровень);ОГЭ;;4;;;;",
            "p-1;;Информатика;ОГЭ;;5;;;;",
            "p-1;;Информатика;ОГЭ;;5;;;;",
        )
        parsed = parse_exam_results_csv(text)

        assert [str(e) for e in parsed.errors] == [
            "Строка 2: предмет «Астрология» не найден в перечне предметов ГИА",
            "Строка 3: форма экзамена «ЕГЕ» не распознана: ожидается ОГЭ, ЕГЭ или ГВЭ",
            "Строка 4: для ЕГЭ по предмету «Химия» нужен тестовый балл; для ЕГЭ по предмету "
            "«Химия» отметка не ставится, только тестовый балл",
            "Строка 5: отметка 4 не согласуется с первичным баллом 5 при минимальном 15",
            "Строка 6: в столбце «Отметка» должно быть целое неотрицательное число, а не «пять»",
            "Строка 7: в столбце «Пересдача» ожидается «да» или «нет», а не «может быть»",
            "Строка 8: дата экзамена «31.06.2026» не в формате дд.мм.гггг",
            "Строка 9: не указан код ученика",
            "Строка 10: предмет «Математика (профильный уровень)» не сдаётся в форме ОГЭ",
            "Строка 12: повторяет строку 11",
        ]
        assert [r.subject for r in parsed.results] == ["informatics"]

    def test_score_out_of_range(self) -> None:
        parsed = parse_exam_results_csv(_csv("p-1;;Физика;ЕГЭ;;;101;;;"))

        assert [e.message for e in parsed.errors] == [
            "тестовый балл 101 вне диапазона 0–100"
        ]

    def test_missing_required_columns_stop_the_file(self) -> None:
        parsed = parse_exam_results_csv("Код ученика;Отметка\np-1;5\n")

        assert [str(e) for e in parsed.errors] == [
            "Строка 1: нет обязательных столбцов: «Предмет», «Форма»"
        ]
        assert parsed.results == ()

    def test_empty_file(self) -> None:
        parsed = parse_exam_results_csv("")

        assert not parsed.ok
        assert "файл пуст" in parsed.errors[0].message

    def test_blank_lines_are_skipped(self) -> None:
        parsed = parse_exam_results_csv(_csv("p-1;;Физика;ОГЭ;;5;;;;", ";;;;;;;;;", ""))

        assert parsed.ok and len(parsed.results) == 1
