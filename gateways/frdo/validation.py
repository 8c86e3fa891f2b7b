"""Our checker for ФРДО rows (rules of certificates.md §9.3 and pitfalls C12–C28).

`prepare_row` turns a row into the exact cell values and the problems found on the way, so
the writer and the checker can never disagree about what goes into the file.
"""

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from gateways.frdo import lists, text
from gateways.frdo.columns import FIRST_DATA_ROW, title
from gateways.frdo.lists import DocumentKind, DocumentStatus, EducationLevel
from gateways.frdo.rows import FrdoRow, OriginalDocument
from gateways.frdo.snils import check_snils

CellValue = str | int | date | None

_NO = lists.NO
# From 2021 the СПО/ПО instructions make СНИЛС (for citizens), citizenship, the form of
# study and the source of financing mandatory; the school template is assumed to follow.
_EXTENDED_FIELDS_FROM = date(2021, 1, 1)
# 2014 blanks and the 545 blanks carry a 14-digit number without a series.
_FOURTEEN_DIGITS_FROM = date(2014, 1, 1)
_MODERN_ATTESTATS = frozenset(
    {
        DocumentKind.BASIC,
        DocumentKind.BASIC_HONOURS,
        DocumentKind.SECONDARY,
        DocumentKind.SECONDARY_HONOURS,
    }
)
# `Вид документа` → the only `Уровень образования` that matches it (pitfall C28).
_LEVEL_OF_KIND: dict[str, str] = {
    DocumentKind.BASIC: EducationLevel.BASIC_GENERAL,
    DocumentKind.BASIC_HONOURS: EducationLevel.BASIC_GENERAL,
    DocumentKind.SECONDARY: EducationLevel.SECONDARY_GENERAL,
    DocumentKind.SECONDARY_HONOURS: EducationLevel.SECONDARY_GENERAL,
    DocumentKind.SECONDARY_COMPLETE_LEGACY: EducationLevel.SECONDARY_GENERAL,
    DocumentKind.GOLD_MEDAL_LEGACY: EducationLevel.SECONDARY_GENERAL,
    DocumentKind.SILVER_MEDAL_LEGACY: EducationLevel.SECONDARY_GENERAL,
    DocumentKind.INCOMPLETE_SECONDARY_LEGACY: EducationLevel.INCOMPLETE_SECONDARY,
    DocumentKind.INCOMPLETE_SECONDARY_HONOURS_LEGACY: EducationLevel.INCOMPLETE_SECONDARY,
    DocumentKind.STUDY_REFERENCE: EducationLevel.NONE,
}
_GENDER_ALIASES = {
    "м": "Муж", "муж": "Муж", "мужской": "Муж", "m": "Муж",
    "ж": "Жен", "жен": "Жен", "женский": "Жен", "f": "Жен",
}  # fmt: skip
_SERIES_CHARS = r"[А-Яа-яЁёA-Za-z0-9./ \-]"
_REGISTRATION_CHARS = r"[А-Яа-яЁёA-Za-z0-9()./№_ \-]"
_ORIGINAL_NUMBER_CHARS = r"[А-Яа-яЁёA-Za-z0-9 \-]"
_DIGIT = r"[0-9]"


@dataclass(frozen=True)
class RowProblem:
    """A problem in one row; `row_number` is the worksheet row (the first data row is 2).

    Blocking problems stop the export; the others are notices (e.g. an invisible character
    that was removed).
    """

    row_number: int
    column_title: str
    message_ru: str
    document_id: str | None = None
    blocking: bool = True


@dataclass
class PreparedRow:
    """Cell values by column letter, ready to write, and the problems of the row."""

    row: FrdoRow
    row_number: int
    values: dict[str, CellValue] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)

    def problem(self, letter: str, message: str, *, blocking: bool = True) -> None:
        self.problems.append(
            RowProblem(
                self.row_number, title(letter), message, self.row.document_id, blocking
            )
        )


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


class _RowPreparer:
    def __init__(self, row: FrdoRow, row_number: int, today: date) -> None:
        self.out = PreparedRow(row, row_number)
        self.today = today

    def clean(self, letter: str, raw: str | None) -> str:
        cleaned = text.clean_text(raw)
        if cleaned.has_line_break:
            self.out.problem(letter, "содержит перенос на новую строку")
        if cleaned.replaced:
            self.out.problem(
                letter,
                "исправлены невидимые или нестандартные символы: "
                + ", ".join(cleaned.replaced),
                blocking=False,
            )
        return cleaned.value

    def report(self, letter: str, messages: Iterable[str]) -> None:
        for message in messages:
            self.out.problem(letter, message)

    def listed(
        self,
        letter: str,
        raw: str | None,
        values: Sequence[str],
        *,
        required: bool = True,
        aliases: dict[str, str] | None = None,
    ) -> str | None:
        value = self.clean(letter, None if raw is None else str(raw))
        if not value:
            if required:
                self.out.problem(letter, "не заполнено: выберите значение из списка")
            return None
        if value in values:
            return value

        key = value.casefold().rstrip(".")
        near = [v for v in values if " ".join(v.split()).casefold() == key]
        if aliases and key in aliases:
            near = [aliases[key]]
        if near:
            self.out.problem(
                letter,
                f"значение «{value}» отличается от справочника только написанием: "
                f"нужно «{near[0]}»",
            )
        else:
            self.out.problem(letter, f"значение «{value}» отсутствует в справочнике")
        return None

    def name(
        self, letter: str, raw: str | None, *, optional: bool = False
    ) -> str | None:
        value = self.clean(letter, raw)
        if optional and not value:
            # СПО/ПО instructions: a missing patronymic is written as «Нет», never blank.
            return _NO
        self.report(letter, text.name_problems(value))
        return value

    def a_date(
        self, letter: str, raw: object, earliest: int, latest: date | None = None
    ) -> date | None:
        value = _as_date(raw)
        if value is None:
            self.out.problem(letter, "не заполнено или не является датой")
            return None
        if not earliest <= value.year <= 2100:
            self.out.problem(letter, f"дата вне диапазона {earliest}–2100 годов")
        if value > self.today:
            self.out.problem(letter, "дата в будущем")
        elif latest is not None and value > latest:
            self.out.problem(letter, f"дата позже даты выдачи ({latest:%d.%m.%Y})")
        return value


def prepare_row(row: FrdoRow, row_number: int, today: date) -> PreparedRow:
    """Cell values for one row and its problems."""
    p = _RowPreparer(row, row_number, today)
    v = p.out.values

    document_name = v["A"] = p.clean("A", row.document_name)
    p.report("A", text.cyrillic_text_problems(document_name, 100))
    kind = v["B"] = p.listed("B", row.document_kind, lists.DOCUMENT_KIND_VALUES)
    status = v["C"] = p.listed("C", row.status, lists.STATUS_LIST.values)
    v["D"] = lists.YES if row.loss_confirmed else _NO
    v["E"] = lists.YES if row.exchange_confirmed else _NO
    v["F"] = lists.YES if row.destruction_confirmed else _NO
    level = v["G"] = p.listed("G", row.education_level, lists.LEVELS_LIST.values)
    if kind and level and _LEVEL_OF_KIND.get(kind, level) != level:
        p.out.problem(
            "G", f"не соответствует виду документа: нужно «{_LEVEL_OF_KIND[kind]}»"
        )

    _prepare_document_number(p, kind)
    issue_date = v["J"] = p.a_date("J", row.issue_date, 1950)
    registration_number = v["K"] = p.clean("K", row.registration_number)
    p.report(
        "K",
        text.pattern_problems(
            registration_number,
            _REGISTRATION_CHARS,
            "буквы, цифры, скобки, . / - № _ и пробел",
            30,
        ),
    )
    _prepare_years(p, issue_date)

    v["O"] = p.name("O", row.last_name)
    v["P"] = p.name("P", row.first_name)
    v["Q"] = p.name("Q", row.patronymic, optional=True)
    v["R"] = p.a_date("R", row.birth_date, 1900, latest=issue_date)

    v["T"] = p.listed("T", row.citizenship, lists.CITIZENSHIP_CODES)
    _prepare_snils(p, issue_date)
    v["U"] = p.listed("U", row.education_setting, lists.SETTING_LIST.values)
    v["V"] = p.listed(
        "V", row.gender, lists.GENDER_LIST.values, aliases=_GENDER_ALIASES
    )
    extended = issue_date is None or issue_date >= _EXTENDED_FIELDS_FROM
    v["W"] = p.listed(
        "W", row.funding_source, lists.FUNDING_LIST.values, required=extended
    )
    v["X"] = p.listed(
        "X", row.study_form, lists.STUDY_FORM_LIST.values, required=extended
    )

    _prepare_original(p, status, issue_date)
    return p.out


def _prepare_document_number(p: _RowPreparer, kind: str | None) -> None:
    row, v = p.out.row, p.out.values

    # СПО/ПО instructions: «Нет» when the blank has no series (attestats since 2014).
    series = p.clean("H", row.series)
    v["H"] = series or _NO
    if series:
        p.report(
            "H", text.pattern_problems(series, _SERIES_CHARS, "буквы, цифры, . / -", 20)
        )

    number = v["I"] = p.clean("I", row.number)
    if kind == DocumentKind.STUDY_REFERENCE and not number:
        return
    p.report("I", text.pattern_problems(number, _DIGIT, "только цифры", 30))
    issue_date = _as_date(row.issue_date)
    modern = (
        kind in _MODERN_ATTESTATS and issue_date and issue_date >= _FOURTEEN_DIGITS_FROM
    )
    if modern and number.isdigit() and len(number) != 14:
        p.out.problem("I", "номер бланка аттестата должен состоять из 14 цифр")


def _prepare_years(p: _RowPreparer, issue_date: date | None) -> None:
    row, v = p.out.row, p.out.values
    start, end = row.admission_year, row.graduation_year
    for letter, year in (("L", start), ("M", end)):
        if not isinstance(year, int) or isinstance(year, bool):
            p.out.problem(letter, "год должен быть числом из четырёх цифр")
            continue
        v[letter] = year
        if not 1900 <= year <= 2100:
            p.out.problem(letter, "год вне диапазона 1900–2100")
        elif year > p.today.year:
            p.out.problem(letter, "год в будущем")
    if "L" not in v or "M" not in v:
        return

    if end < start:
        p.out.problem("M", "год окончания раньше года поступления")
    elif end - start > 7:
        # Template validation 0–7: the start year is the start of the level (5th or 10th
        # grade), not the first grade (pitfall C23).
        p.out.problem(
            "L",
            f"срок обучения {end - start} лет больше 7: укажите год начала уровня "
            "образования (5 или 10 класс)",
        )
    if issue_date is not None and issue_date.year < end:
        p.out.problem("J", "дата выдачи раньше года окончания обучения")


def _prepare_snils(p: _RowPreparer, issue_date: date | None) -> None:
    row, v = p.out.row, p.out.values
    raw = p.clean("S", row.snils)
    if not raw:
        v["S"] = None
        citizen = v.get("T") == lists.RUSSIA
        if citizen and (issue_date is None or issue_date >= _EXTENDED_FIELDS_FROM):
            p.out.problem(
                "S",
                "обязателен для гражданина РФ (643) в документе, выданном с 2021 года",
            )
        return

    checked = check_snils(raw)
    v["S"] = checked.formatted
    if checked.problem:
        p.out.problem("S", f"СНИЛС «{raw}»: {checked.problem}")


def _prepare_original(
    p: _RowPreparer, status: str | None, issue_date: date | None
) -> None:
    original: OriginalDocument | None = p.out.row.original
    v = p.out.values
    for letter in ("Y", "Z", "AA", "AB", "AC", "AD", "AE", "AF"):
        v[letter] = None
    if status == DocumentStatus.ORIGINAL and original is not None:
        p.out.problem("Y", "данные оригинала заполняются только для дубликата")
        return
    if status != DocumentStatus.DUPLICATE:
        return
    if original is None:
        p.out.problem("Y", "для дубликата нужны данные оригинала (столбцы Y–AF)")
        return

    name = v["Y"] = p.clean("Y", original.name)
    p.report("Y", text.cyrillic_text_problems(name, 100))
    series = p.clean("Z", original.series)
    v["Z"] = series or _NO
    if series:
        p.report(
            "Z", text.pattern_problems(series, _SERIES_CHARS, "буквы, цифры, . / -", 20)
        )
    number = v["AA"] = p.clean("AA", original.number)
    # Pre-2014 attestats had letters in the number, so letters are allowed here.
    p.report(
        "AA", text.pattern_problems(number, _ORIGINAL_NUMBER_CHARS, "буквы, цифры", 30)
    )
    registration = v["AB"] = p.clean("AB", original.registration_number)
    p.report(
        "AB",
        text.pattern_problems(
            registration, _REGISTRATION_CHARS, "буквы, цифры, . / - №", 50
        ),
    )
    v["AC"] = p.a_date("AC", original.issue_date, 1900, latest=issue_date)
    v["AD"] = p.name("AD", original.last_name)
    v["AE"] = p.name("AE", original.first_name)
    v["AF"] = p.name("AF", original.patronymic, optional=True)


def _batch_problems(
    prepared: Sequence[PreparedRow],
    label: Callable[[PreparedRow], str] = lambda item: str(item.row_number),
) -> list[RowProblem]:
    """The same document, СНИЛС or person twice in one batch (pitfall C26); `label` names
    a row in the message (a batch of several files names the file too)."""
    keys: dict[tuple[str, object], list[PreparedRow]] = defaultdict(list)
    for item in prepared:
        v = item.values
        keys[("id", item.row.document_id)].append(item)
        if v.get("I"):
            keys[("number", (v.get("H"), v["I"]))].append(item)
        if v.get("C") == DocumentStatus.ORIGINAL:
            if v.get("S"):
                keys[("snils", (v["S"], v.get("G")))].append(item)
            person = (v.get("O"), v.get("P"), v.get("Q"), v.get("R"), v.get("G"))
            keys[("person", person)].append(item)

    messages = {
        "id": ("A", "документ повторяется в выгрузке"),
        "number": ("I", "серия и номер документа повторяются в выгрузке"),
        "snils": ("S", "СНИЛС повторяется у оригиналов одного уровня образования"),
        "person": ("O", "ФИО и дата рождения повторяются у оригиналов одного уровня"),
    }
    problems: list[RowProblem] = []
    for (kind, _), items in keys.items():
        if len(items) < 2:
            continue
        letter, message = messages[kind]
        rows = ", ".join(label(item) for item in items)
        for item in items:
            problems.append(
                RowProblem(
                    item.row_number,
                    title(letter),
                    f"{message} (строки {rows})",
                    item.row.document_id,
                )
            )
    return problems


def prepare_rows(
    rows: Sequence[FrdoRow], today: date | None = None
) -> tuple[list[PreparedRow], list[RowProblem]]:
    """Prepared rows in file order and every problem, row by row then across the batch."""
    today = today or date.today()
    prepared = [
        prepare_row(row, FIRST_DATA_ROW + index, today)
        for index, row in enumerate(rows)
    ]
    problems = [problem for item in prepared for problem in item.problems]
    problems.extend(_batch_problems(prepared))
    problems.sort(key=lambda problem: problem.row_number)
    return prepared, problems


def prepare_files(
    files: Sequence[Sequence[FrdoRow]], today: date | None = None
) -> tuple[list[list[PreparedRow]], list[RowProblem]]:
    """Rows of several files of one export, each file numbered from its first data row;
    the batch checks run across all files, so no document, СНИЛС or person repeats in any
    of them. With more than one file every message names its file."""
    today = today or date.today()
    prepared = [
        [prepare_row(row, FIRST_DATA_ROW + index, today) for index, row in enumerate(rows)]
        for rows in files
    ]
    several = len(files) > 1
    file_of = {id(item): n for n, items in enumerate(prepared, 1) for item in items}

    def label(item: PreparedRow) -> str:
        if not several:
            return str(item.row_number)
        return f"{item.row_number} файла {file_of[id(item)]}"

    def in_file(problem: RowProblem, item: PreparedRow) -> RowProblem:
        if not several:
            return problem
        return dataclasses.replace(
            problem, message_ru=f"файл {file_of[id(item)]}: {problem.message_ru}"
        )

    problems = [in_file(p, item) for items in prepared for item in items for p in item.problems]
    # A repeat's message names every row it is in, each with its file.
    problems.extend(_batch_problems([item for items in prepared for item in items], label))
    return prepared, problems


def validate_rows(
    rows: Sequence[FrdoRow], today: date | None = None
) -> list[RowProblem]:
    """Every problem of the rows; those with `blocking=True` stop the export."""
    return prepare_rows(rows, today)[1]


def blocking(problems: Iterable[RowProblem]) -> list[RowProblem]:
    return [problem for problem in problems if problem.blocking]
