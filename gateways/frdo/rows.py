"""Input of the ФРДО export: one row per issued document, mapped by the certificates service."""

from dataclasses import dataclass
from datetime import date

from gateways.frdo.lists import (
    RUSSIA,
    DocumentKind,
    DocumentStatus,
    EducationLevel,
    EducationSetting,
    FundingSource,
    Gender,
    StudyForm,
)


@dataclass(frozen=True)
class OriginalDocument:
    """The original's data carried by a duplicate's row (columns Y–AF)."""

    name: str
    number: str
    registration_number: str
    issue_date: date
    last_name: str
    first_name: str
    patronymic: str | None = None
    # None → «Нет»: attestats since 2014 carry no series.
    series: str | None = None


@dataclass(frozen=True)
class FrdoRow:
    """One document in the general-education template.

    String fields that map to drop-down lists take the exact list value (the enums in
    `gateways.frdo.lists` hold them). `document_id` is ours and is not written to the file.
    """

    document_id: str
    document_kind: DocumentKind | str
    education_level: EducationLevel | str
    number: str
    issue_date: date
    registration_number: str
    admission_year: int
    graduation_year: int
    last_name: str
    first_name: str
    patronymic: str | None
    birth_date: date
    gender: Gender | str
    snils: str | None
    funding_source: FundingSource | str | None
    study_form: StudyForm | str | None
    citizenship: str = RUSSIA
    education_setting: EducationSetting | str = EducationSetting.IN_SCHOOL
    document_name: str = "Аттестат"
    status: DocumentStatus | str = DocumentStatus.ORIGINAL
    series: str | None = None
    loss_confirmed: bool = False
    exchange_confirmed: bool = False
    destruction_confirmed: bool = False
    original: OriginalDocument | None = None
