"""Columns of the ФИС ФРДО general-education template, version 2022-06-18.

Our own definition of the sheet `Шаблон`: exact header texts (R1 has a trailing space, AB1 a
Latin «N»), order, how each cell is typed, and the template's data validations. Tests prove
it against the official copy; the file itself is not shipped with the project.
"""

from dataclasses import dataclass
from enum import StrEnum

from gateways.frdo import lists

TEMPLATE_VERSION = "2022-06-18"
DATA_SHEET_TITLE = "Шаблон"
HEADER_ROW = 1
FIRST_DATA_ROW = 2
# The template pre-formats rows 2..3000 and its validations cover exactly that range, so one
# file carries at most 2999 documents; larger exports are split into several packages.
LAST_DATA_ROW = 3000
ROW_CAPACITY = LAST_DATA_ROW - FIRST_DATA_ROW + 1

DATE_FORMAT = "DD.MM.YYYY"
TEXT_FORMAT = "@"


class CellKind(StrEnum):
    """How a value is stored in the cell."""

    TEXT = "text"
    DATE = "date"
    YEAR = "year"
    FORMULA = "formula"


class Requirement(StrEnum):
    """When a column must be filled (enforced by `gateways.frdo.validation`)."""

    ALWAYS = "always"
    UNLESS_STUDY_REFERENCE = "unless_study_reference"
    FROM_2021 = "from_2021"
    CITIZEN_FROM_2021 = "citizen_from_2021"
    DUPLICATE_ONLY = "duplicate_only"
    NEVER = "never"


class Block(StrEnum):
    """Header colour groups: the document, the original of a duplicate, the change column."""

    DOCUMENT = "document"
    ORIGINAL = "original"
    CHANGE = "change"


@dataclass(frozen=True)
class CellValidation:
    """A data validation as the template declares it for a whole column."""

    type: str | None
    prompt: str
    formula1: str | None = None
    formula2: str | None = None
    operator: str | None = None


@dataclass(frozen=True)
class FrdoColumn:
    letter: str
    title: str
    kind: CellKind
    block: Block = Block.DOCUMENT
    required: Requirement = Requirement.ALWAYS
    text_format: bool = False
    validation: CellValidation | None = None
    width: float = 14.0


_CHOOSE = "Выберите из списка"


def _choose(frdo_list: lists.FrdoList, prompt: str = _CHOOSE) -> CellValidation:
    return CellValidation("list", prompt, formula1=frdo_list.name)


def _date(prompt: str) -> CellValidation:
    # Any real date (serial >= 1): the template rejects text typed into the cell.
    return CellValidation("date", prompt, formula1="1", operator="greaterThanOrEqual")


def _decimal(low: int, high: int, prompt: str) -> CellValidation:
    return CellValidation("decimal", prompt, formula1=str(low), formula2=str(high))


FRDO_COLUMNS: tuple[FrdoColumn, ...] = (
    FrdoColumn("A", "Наименование документа", CellKind.TEXT, width=16),
    FrdoColumn(
        "B",
        "Вид документа",
        CellKind.TEXT,
        validation=_choose(lists.KINDS_LIST),
        width=24,
    ),
    FrdoColumn(
        "C", "Статус документа", CellKind.TEXT, validation=_choose(lists.STATUS_LIST)
    ),
    FrdoColumn(
        "D", "Подтверждение утраты", CellKind.TEXT, validation=_choose(lists.LOSS_LIST)
    ),
    FrdoColumn(
        "E",
        "Подтверждение обмена",
        CellKind.TEXT,
        validation=_choose(lists.EXCHANGE_LIST),
    ),
    FrdoColumn(
        "F",
        "Подтверждение уничтожения",
        CellKind.TEXT,
        validation=_choose(lists.EXCHANGE_LIST),
    ),
    FrdoColumn(
        "G", "Уровень образования", CellKind.TEXT, validation=_choose(lists.LEVELS_LIST)
    ),
    FrdoColumn("H", "Серия документа", CellKind.TEXT, text_format=True),
    FrdoColumn(
        "I",
        "Номер документа",
        CellKind.TEXT,
        required=Requirement.UNLESS_STUDY_REFERENCE,
        text_format=True,
        width=18,
    ),
    FrdoColumn(
        "J",
        "Дата выдачи",
        CellKind.DATE,
        validation=_date('Введите дату в формате "01.01.1900"'),
        width=12,
    ),
    FrdoColumn("K", "Регистрационный номер", CellKind.TEXT, text_format=True, width=18),
    FrdoColumn(
        "L",
        "Год поступления",
        CellKind.YEAR,
        validation=_decimal(1900, 2100, "Введите год поступления"),
    ),
    FrdoColumn(
        "M",
        "Год окончания",
        CellKind.YEAR,
        validation=_decimal(1900, 2100, "Введите год окончания обучения"),
    ),
    FrdoColumn(
        "N",
        "Срок обучения, лет",
        CellKind.FORMULA,
        validation=_decimal(0, 7, "Проверьте срок обучения"),
    ),
    FrdoColumn("O", "Фамилия получателя", CellKind.TEXT, width=16),
    FrdoColumn("P", "Имя получателя", CellKind.TEXT, width=16),
    FrdoColumn("Q", "Отчество получателя", CellKind.TEXT, width=16),
    FrdoColumn(
        "R",
        "Дата рождения получателя ",
        CellKind.DATE,
        validation=_date('Введите дату - в формате "01.01.1900"'),
        width=12,
    ),
    FrdoColumn(
        "S",
        "СНИЛС",
        CellKind.TEXT,
        required=Requirement.CITIZEN_FROM_2021,
        text_format=True,
        validation=CellValidation(None, "Введите СНИЛС в формате \nXXX-XXX-XXX XX"),
        width=16,
    ),
    FrdoColumn(
        "T",
        "Гражданство получателя (код страны по ОКСМ)",
        CellKind.TEXT,
        text_format=True,
        validation=_choose(lists.CITIZENSHIP_LIST),
    ),
    FrdoColumn(
        "U",
        "Форма получения образования на момент прекращения образовательных отношений",
        CellKind.TEXT,
        text_format=True,
        validation=_choose(
            lists.SETTING_LIST,
            "Выберите из списка согласно ст.17 гл. 2\n"
            'ФЗ РФ от 29.12.2012 №273 "Об образовании в РФ"',
        ),
        width=18,
    ),
    FrdoColumn(
        "V", "Пол получателя", CellKind.TEXT, validation=_choose(lists.GENDER_LIST)
    ),
    FrdoColumn(
        "W",
        "Источник финансирования обучения",
        CellKind.TEXT,
        required=Requirement.FROM_2021,
        validation=_choose(lists.FUNDING_LIST),
        width=18,
    ),
    FrdoColumn(
        "X",
        "Форма обучения",
        CellKind.TEXT,
        required=Requirement.FROM_2021,
        validation=_choose(lists.STUDY_FORM_LIST),
    ),
    FrdoColumn(
        "Y",
        "Наименование документа об образовании (оригинала)",
        CellKind.TEXT,
        required=Requirement.DUPLICATE_ONLY,
        block=Block.ORIGINAL,
        width=18,
    ),
    FrdoColumn(
        "Z",
        "Серия (оригинала)",
        CellKind.TEXT,
        required=Requirement.DUPLICATE_ONLY,
        block=Block.ORIGINAL,
        text_format=True,
    ),
    FrdoColumn(
        "AA",
        "Номер (оригинала)",
        CellKind.TEXT,
        required=Requirement.DUPLICATE_ONLY,
        block=Block.ORIGINAL,
        text_format=True,
        width=18,
    ),
    FrdoColumn(
        "AB",
        "Регистрационный N (оригинала)",
        CellKind.TEXT,
        required=Requirement.DUPLICATE_ONLY,
        block=Block.ORIGINAL,
        text_format=True,
    ),
    FrdoColumn(
        "AC",
        "Дата выдачи (оригинала)",
        CellKind.DATE,
        required=Requirement.DUPLICATE_ONLY,
        block=Block.ORIGINAL,
        width=12,
    ),
    FrdoColumn(
        "AD",
        "Фамилия получателя (оригинала)",
        CellKind.TEXT,
        required=Requirement.DUPLICATE_ONLY,
        block=Block.ORIGINAL,
        width=16,
    ),
    FrdoColumn(
        "AE",
        "Имя получателя (оригинала)",
        CellKind.TEXT,
        required=Requirement.DUPLICATE_ONLY,
        block=Block.ORIGINAL,
        width=16,
    ),
    FrdoColumn(
        "AF",
        "Отчество получателя (оригинала)",
        CellKind.TEXT,
        required=Requirement.DUPLICATE_ONLY,
        block=Block.ORIGINAL,
        width=16,
    ),
    # The ПО instruction calls this column "always empty"; the export never writes it.
    FrdoColumn(
        "AG",
        "Номер документа для изменения",
        CellKind.TEXT,
        required=Requirement.NEVER,
        block=Block.CHANGE,
        width=16,
    ),
)

COLUMN_BY_LETTER: dict[str, FrdoColumn] = {col.letter: col for col in FRDO_COLUMNS}


def title(letter: str) -> str:
    """The exact header text of a column, for messages and tests."""
    return COLUMN_BY_LETTER[letter].title


def normalise_header(text: str) -> str:
    """Header text compared trimmed and space-collapsed (pitfall C21), never rewritten."""
    return " ".join(str(text).split())
