"""Writes the ФИС ФРДО import file (general-education template, version 2022-06-18).

With the school's copy of the official template the file is filled in place, so its sheets,
named ranges, validations, protection and header cells stay exactly as the registry made
them (certificates.md §9.5). Without one, a workbook with the same sheet, headers, lists and
validations is built from our own column definitions.
"""

import io
import logging
import re
import zipfile
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from os import PathLike
from typing import BinaryIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from gateways.frdo import lists
from gateways.frdo.columns import (
    DATA_SHEET_TITLE,
    DATE_FORMAT,
    FIRST_DATA_ROW,
    FRDO_COLUMNS,
    HEADER_ROW,
    LAST_DATA_ROW,
    ROW_CAPACITY,
    TEMPLATE_VERSION,
    TEXT_FORMAT,
    Block,
    CellKind,
    CellValidation,
    FrdoColumn,
    normalise_header,
)
from gateways.frdo.errors import (
    FrdoAlreadyExported,
    FrdoCapacityExceeded,
    FrdoNothingToExport,
    FrdoTemplateMismatch,
    FrdoValidationFailed,
)
from gateways.frdo.rows import FrdoRow
from gateways.frdo.validation import (
    PreparedRow,
    RowProblem,
    blocking,
    prepare_files,
    prepare_rows,
)

logger = logging.getLogger(__name__)

Target = str | PathLike[str] | BinaryIO

_HEADER_FONT = Font(name="Times New Roman", size=12)
_HEADER_FILLS = {
    Block.DOCUMENT: PatternFill("solid", fgColor="FFF2DCDB"),
    Block.ORIGINAL: PatternFill("solid", fgColor="FFFDEADA"),
}
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
_HEADER_HEIGHT = 111


@dataclass(frozen=True)
class FrdoExportResult:
    """What went into the file; the caller records `exported_document_ids` as exported."""

    exported_document_ids: tuple[str, ...]
    skipped_document_ids: tuple[str, ...]
    notices: tuple[RowProblem, ...]
    from_official_template: bool


def split_rows(
    rows: Sequence[FrdoRow], capacity: int = ROW_CAPACITY
) -> list[list[FrdoRow]]:
    """Rows in packages of at most `capacity` (one template file each)."""
    return [
        list(rows[start : start + capacity]) for start in range(0, len(rows), capacity)
    ]


@dataclass(frozen=True)
class FrdoPackage:
    """One file of an export: its bytes and what went into it."""

    content: bytes
    result: FrdoExportResult


def write_frdo_packages(
    rows: Sequence[FrdoRow],
    template_path: str | PathLike[str] | None = None,
    *,
    already_exported: Collection[str] = frozenset(),
    today: date | None = None,
    capacity: int = ROW_CAPACITY,
) -> list[FrdoPackage]:
    """Validate all the rows together, then write them into as many template files as
    they need, at most `capacity` each, in order; no document goes into two files.

    Nothing is written when any row of any file has a blocking problem.

    Raises:
        FrdoAlreadyExported, FrdoValidationFailed, FrdoNothingToExport,
        FrdoTemplateMismatch.
    """
    if not 1 <= capacity <= ROW_CAPACITY:
        raise ValueError(f"capacity must be 1..{ROW_CAPACITY}")
    repeated = [row.document_id for row in rows if row.document_id in already_exported]
    if repeated:
        raise FrdoAlreadyExported(repeated)
    if not rows:
        raise FrdoNothingToExport()
    files, problems = prepare_files(split_rows(rows, capacity), today)
    errors = blocking(problems)
    if errors:
        raise FrdoValidationFailed(errors)
    packages = []
    for prepared in files:
        buffer = io.BytesIO()
        _write_file(prepared, buffer, template_path)
        ids = tuple(item.row.document_id for item in prepared)
        packages.append(FrdoPackage(buffer.getvalue(), FrdoExportResult(
            exported_document_ids=ids,
            skipped_document_ids=(),
            notices=tuple(p for p in problems if not p.blocking and p.document_id in ids),
            from_official_template=template_path is not None,
        )))
    logger.info("frdo export split: rows=%s files=%s", len(rows), len(packages))
    return packages


def write_frdo_workbook(
    rows: Sequence[FrdoRow],
    target: Target,
    template_path: str | PathLike[str] | None = None,
    *,
    already_exported: Collection[str] = frozenset(),
    skip_already_exported: bool = False,
    today: date | None = None,
) -> FrdoExportResult:
    """Validate the rows and write them into one ФРДО template file.

    Args:
        rows: documents in the order they go into the file.
        target: a path or a writable binary stream.
        template_path: the official template the school downloaded; None builds our own.
        already_exported: ids of documents exported before; they are never written again.
        skip_already_exported: leave such documents out (and report them) instead of
            refusing the whole export.

    Raises:
        FrdoAlreadyExported, FrdoValidationFailed, FrdoNothingToExport,
        FrdoCapacityExceeded, FrdoTemplateMismatch.
    """
    repeated = [row.document_id for row in rows if row.document_id in already_exported]
    if repeated and not skip_already_exported:
        raise FrdoAlreadyExported(repeated)
    pending = [row for row in rows if row.document_id not in already_exported]
    if not pending:
        raise FrdoNothingToExport()
    if len(pending) > ROW_CAPACITY:
        raise FrdoCapacityExceeded(len(pending), ROW_CAPACITY)

    prepared, problems = prepare_rows(pending, today)
    errors = blocking(problems)
    if errors:
        raise FrdoValidationFailed(errors)

    _write_file(prepared, target, template_path)

    logger.info(
        "frdo export written: rows=%s skipped=%s official_template=%s version=%s",
        len(prepared),
        len(repeated),
        template_path is not None,
        TEMPLATE_VERSION,
    )
    return FrdoExportResult(
        exported_document_ids=tuple(row.document_id for row in pending),
        skipped_document_ids=tuple(repeated),
        notices=tuple(problem for problem in problems if not problem.blocking),
        from_official_template=template_path is not None,
    )


def _write_file(prepared: Sequence[PreparedRow], target: Target,
                template_path: str | PathLike[str] | None) -> None:
    if template_path is not None:
        workbook = load_workbook(template_path)
        sheet = _checked_template_sheet(workbook)
    else:
        workbook = build_blank_workbook()
        sheet = workbook[DATA_SHEET_TITLE]
    _write_rows(sheet, prepared)
    sheet_index = workbook.sheetnames.index(DATA_SHEET_TITLE)
    workbook.active = sheet_index
    buffer = io.BytesIO()
    workbook.save(buffer)
    terms = {item.row_number: _term(item) for item in prepared}
    _save(_with_cached_terms(buffer.getvalue(), sheet_index, terms), target)


def _write_rows(sheet: Worksheet, prepared: Iterable[PreparedRow]) -> None:
    for item in prepared:
        r = item.row_number
        for index, column in enumerate(FRDO_COLUMNS, start=1):
            if column.kind is CellKind.FORMULA:
                # Restores the template's formula even if someone overwrote it (C22).
                sheet.cell(row=r, column=index, value=f"=M{r}-L{r}")
                continue
            value = item.values.get(column.letter)
            if value is None:
                continue
            cell = sheet.cell(row=r, column=index, value=value)
            if column.kind is CellKind.DATE:
                cell.number_format = DATE_FORMAT
            elif column.text_format:
                cell.number_format = TEXT_FORMAT


def _term(item: PreparedRow) -> int:
    end, start = item.values["M"], item.values["L"]
    if isinstance(end, int) and isinstance(start, int):
        return end - start
    return 0


_FORMULA_CELL = re.compile(
    rb'<c r="N(\d+)"((?: [a-z]+="[^"]*")*)><f>M\1-L\1</f><v></v></c>'
)


def _with_cached_terms(xlsx: bytes, sheet_index: int, terms: dict[int, int]) -> bytes:
    """Store the result of `=M-L` next to each formula, as Excel itself does.

    openpyxl writes formulas without a cached value; an importer that reads cached values
    instead of recalculating would see `Срок обучения, лет` empty. Empty template rows get
    0, the value the official template caches for them.
    """
    sheet_part = f"xl/worksheets/sheet{sheet_index + 1}.xml"

    def cached(match: re.Match[bytes]) -> bytes:
        row = int(match.group(1))
        value = terms.get(row, 0)
        return b'<c r="N%d"%s><f>M%d-L%d</f><v>%d</v></c>' % (
            row,
            match.group(2),
            row,
            row,
            value,
        )

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as result,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == sheet_part:
                data = _FORMULA_CELL.sub(cached, data)
            result.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _save(data: bytes, target: Target) -> None:
    if isinstance(target, str | PathLike):
        with open(target, "wb") as file:
            file.write(data)
    else:
        target.write(data)


def _checked_template_sheet(workbook: Workbook) -> Worksheet:
    """The data sheet of the school's template, after checking it is the version we know."""
    if DATA_SHEET_TITLE not in workbook.sheetnames:
        raise FrdoTemplateMismatch([f"нет листа «{DATA_SHEET_TITLE}»"])
    sheet = workbook[DATA_SHEET_TITLE]

    differences: list[str] = []
    visible = [ws.title for ws in workbook.worksheets if ws.sheet_state == "visible"]
    if visible != [DATA_SHEET_TITLE]:
        differences.append(
            f"видимые листы {visible}, ожидается только «{DATA_SHEET_TITLE}»"
        )
    for index, column in enumerate(FRDO_COLUMNS, start=1):
        found = sheet.cell(row=HEADER_ROW, column=index).value or ""
        if normalise_header(found) != normalise_header(column.title):
            differences.append(
                f"столбец {column.letter}: «{found}» вместо «{column.title}»"
            )
    extra = sheet.cell(row=HEADER_ROW, column=len(FRDO_COLUMNS) + 1).value
    if extra:
        differences.append(f"лишний столбец «{extra}»")
    if differences:
        raise FrdoTemplateMismatch(differences)

    formula_column = next(
        i for i, col in enumerate(FRDO_COLUMNS, 1) if col.kind is CellKind.FORMULA
    )
    for row in sheet.iter_rows(
        min_row=FIRST_DATA_ROW, max_row=sheet.max_row, max_col=len(FRDO_COLUMNS)
    ):
        for cell in row:
            if cell.value is not None and cell.column != formula_column:
                raise FrdoTemplateMismatch(
                    [f"шаблон уже содержит данные ({cell.coordinate})"]
                )

    # One visible sheet and no hidden columns (Sevastopol instruction; pitfall C22).
    for dimension in sheet.column_dimensions.values():
        dimension.hidden = False
    return sheet


def build_blank_workbook() -> Workbook:
    """An empty template from our own definitions: sheet, headers, lists, validations."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET_TITLE

    for index, column in enumerate(FRDO_COLUMNS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=column.title)
        cell.font = _HEADER_FONT
        cell.alignment = _HEADER_ALIGNMENT
        fill = _HEADER_FILLS.get(column.block)
        if fill is not None:
            cell.fill = fill
        sheet.column_dimensions[column.letter].width = column.width
    sheet.row_dimensions[HEADER_ROW].height = _HEADER_HEIGHT

    for validation, letters in _grouped_validations():
        sheet.add_data_validation(_data_validation(validation, letters))

    _add_lists_sheet(workbook)
    return workbook


def _grouped_validations() -> list[tuple[CellValidation, list[str]]]:
    """Adjacent columns sharing one validation get one range, as in the template (E2:F3000)."""
    groups: list[tuple[CellValidation, list[str]]] = []
    previous: FrdoColumn | None = None
    for column in FRDO_COLUMNS:
        validation = column.validation
        if validation is None:
            previous = None
            continue
        if previous is not None and previous.validation == validation:
            groups[-1][1].append(column.letter)
        else:
            groups.append((validation, [column.letter]))
        previous = column
    return groups


def _data_validation(validation: CellValidation, letters: list[str]) -> DataValidation:
    # Excel stores a line break inside an attribute as the escape `_x000a_`.
    prompt = validation.prompt.replace("\n", "_x000a_")
    data_validation = DataValidation(
        type=validation.type,
        formula1=validation.formula1,
        formula2=validation.formula2,
        operator=validation.operator,
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        prompt=prompt,
    )
    data_validation.add(f"{letters[0]}{FIRST_DATA_ROW}:{letters[-1]}{LAST_DATA_ROW}")
    return data_validation


def _add_lists_sheet(workbook: Workbook) -> None:
    sheet = workbook.create_sheet(lists.LISTS_SHEET_TITLE)
    for frdo_list in lists.ALL_LISTS:
        if frdo_list.caption and frdo_list.first_row > 1:
            sheet[f"{frdo_list.column}{frdo_list.first_row - 1}"] = frdo_list.caption
        for offset, value in enumerate(frdo_list.values):
            cell = sheet[f"{frdo_list.column}{frdo_list.first_row + offset}"]
            cell.value = value
            cell.number_format = TEXT_FORMAT
        workbook.defined_names[frdo_list.name] = DefinedName(
            frdo_list.name, attr_text=frdo_list.reference
        )
    sheet.sheet_state = "hidden"
    sheet.protection.sheet = True
