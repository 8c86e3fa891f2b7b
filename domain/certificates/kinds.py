"""Education levels, kinds of issued documents and medals."""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """The level a certificate completes: basic (grade 9) or secondary (grade 11)."""

    BASIC = "basic"
    SECONDARY = "secondary"

    @property
    def final_grade(self) -> int:
        return 9 if self is Level.BASIC else 11

    @property
    def label(self) -> str:
        if self is Level.BASIC:
            return "основное общее образование"
        return "среднее общее образование"


class CertificateKind(StrEnum):
    """The document a graduate receives; labels are the ФИС ФРДО `Вид документа` values."""

    BASIC = "basic"
    BASIC_HONOURS = "basic_honours"
    SECONDARY = "secondary"
    SECONDARY_HONOURS = "secondary_honours"
    # Справка об обучении: issued instead of the attestat when ГИА was not passed
    # or a final mark is unsatisfactory (273-ФЗ ст. 60 ч. 12).
    STUDY_RECORD = "study_record"

    @property
    def label(self) -> str:
        return _KIND_TITLES[self]

    @property
    def is_attestat(self) -> bool:
        return self is not CertificateKind.STUDY_RECORD

    @property
    def has_honours(self) -> bool:
        return self in (
            CertificateKind.BASIC_HONOURS,
            CertificateKind.SECONDARY_HONOURS,
        )


_KIND_TITLES = {
    CertificateKind.BASIC: "Аттестат об основном общем образовании",
    CertificateKind.BASIC_HONOURS: "Аттестат об основном общем образовании с отличием",
    CertificateKind.SECONDARY: "Аттестат о среднем общем образовании",
    CertificateKind.SECONDARY_HONOURS: "Аттестат о среднем общем образовании с отличием",
    CertificateKind.STUDY_RECORD: "Справка об обучении",
}


def attestat_kind(level: Level, *, honours: bool) -> CertificateKind:
    if level is Level.BASIC:
        return CertificateKind.BASIC_HONOURS if honours else CertificateKind.BASIC
    return CertificateKind.SECONDARY_HONOURS if honours else CertificateKind.SECONDARY


class Medal(StrEnum):
    """Medal «За особые успехи в учении» (order 730), only with the secondary attestat."""

    FIRST = "first"
    SECOND = "second"

    @property
    def label(self) -> str:
        degree = "I" if self is Medal.FIRST else "II"
        return f"медаль «За особые успехи в учении» {degree} степени"
