"""ФИС ФРДО export: the general-education XLSX template (version 2022-06-18)."""

from gateways.frdo.columns import FRDO_COLUMNS, ROW_CAPACITY, TEMPLATE_VERSION
from gateways.frdo.errors import (
    FrdoAlreadyExported,
    FrdoCapacityExceeded,
    FrdoError,
    FrdoNothingToExport,
    FrdoTemplateMismatch,
    FrdoValidationFailed,
)
from gateways.frdo.lists import (
    DocumentKind,
    DocumentStatus,
    EducationLevel,
    EducationSetting,
    FundingSource,
    Gender,
    StudyForm,
)
from gateways.frdo.rows import FrdoRow, OriginalDocument
from gateways.frdo.snils import check_snils
from gateways.frdo.text import replace_latin_lookalikes
from gateways.frdo.validation import RowProblem, validate_rows
from gateways.frdo.workbook import (
    FrdoExportResult,
    FrdoPackage,
    build_blank_workbook,
    split_rows,
    write_frdo_packages,
    write_frdo_workbook,
)

__all__ = [
    "FRDO_COLUMNS",
    "ROW_CAPACITY",
    "TEMPLATE_VERSION",
    "DocumentKind",
    "DocumentStatus",
    "EducationLevel",
    "EducationSetting",
    "FrdoAlreadyExported",
    "FrdoCapacityExceeded",
    "FrdoError",
    "FrdoExportResult",
    "FrdoPackage",
    "FrdoNothingToExport",
    "FrdoRow",
    "FrdoTemplateMismatch",
    "FrdoValidationFailed",
    "FundingSource",
    "Gender",
    "OriginalDocument",
    "RowProblem",
    "StudyForm",
    "build_blank_workbook",
    "check_snils",
    "replace_latin_lookalikes",
    "split_rows",
    "validate_rows",
    "write_frdo_packages",
    "write_frdo_workbook",
]
