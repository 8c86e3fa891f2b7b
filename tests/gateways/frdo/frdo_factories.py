"""Invented ФРДО rows and the location of the official template copy."""

import os
from datetime import date
from pathlib import Path
from typing import Any

from gateways.frdo import (
    DocumentKind,
    EducationLevel,
    FrdoRow,
    FundingSource,
    Gender,
    OriginalDocument,
    StudyForm,
)

_REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_DIR = Path(os.environ.get("TSOS_SHARED_DIR", _REPO_ROOT.parent / "shared"))
OFFICIAL_TEMPLATE = (
    SHARED_DIR
    / "reference"
    / "frdo"
    / "frdo_general_education_template_2022-06-18.xlsx"
)
TODAY = date(2026, 7, 1)


def make_row(**overrides: Any) -> FrdoRow:
    """A valid grade-9 attestat row; every value is invented."""
    values: dict[str, Any] = {
        "document_id": "doc-1",
        "document_kind": DocumentKind.BASIC,
        "education_level": EducationLevel.BASIC_GENERAL,
        "number": "00712345678901",
        "issue_date": date(2026, 6, 25),
        "registration_number": "007",
        "admission_year": 2021,
        "graduation_year": 2026,
        "last_name": "Ёлкина",
        "first_name": "Анна",
        "patronymic": "Сергеевна",
        "birth_date": date(2010, 3, 12),
        "gender": Gender.FEMALE,
        "snils": "112-233-445 95",
        "funding_source": FundingSource.MUNICIPAL,
        "study_form": StudyForm.FULL_TIME,
    }
    values.update(overrides)
    return FrdoRow(**values)


def make_original(**overrides: Any) -> OriginalDocument:
    """The original of a duplicate, issued two years earlier."""
    values: dict[str, Any] = {
        "name": "Аттестат",
        "number": "00712345670001",
        "registration_number": "3",
        "issue_date": date(2024, 6, 20),
        "last_name": "Ёлкина",
        "first_name": "Анна",
    }
    values.update(overrides)
    return OriginalDocument(**values)
