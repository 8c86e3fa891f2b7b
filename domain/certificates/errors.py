"""Domain errors of the certificate area; every message is Russian and shown to people."""

from __future__ import annotations

from collections.abc import Sequence


class CertificateError(Exception):
    """Base of the area: `message` is the Russian text for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidMark(CertificateError):
    """A mark outside the scale, or one that cannot appear in a certificate."""


class RuleSetNotFound(CertificateError):
    def __init__(self, graduation_year: int) -> None:
        super().__init__(
            f"Нет правил выдачи аттестатов для {graduation_year} года выпуска: "
            "правила каждого года утверждаются отдельно"
        )
        self.graduation_year = graduation_year


class InvalidRuleData(CertificateError):
    """A rule-set or line-mapping file that does not describe valid rules."""


class FinalMarksIncomplete(CertificateError):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(
            "Итоговые отметки рассчитаны не полностью: " + "; ".join(problems)
        )
        self.problems = tuple(problems)


class TransitionNotAllowed(CertificateError):
    """A lifecycle step that the certificate's current state does not allow."""

    def __init__(self, certificate_id: str, message: str) -> None:
        super().__init__(message)
        self.certificate_id = certificate_id


class InvalidBlankNumber(CertificateError):
    def __init__(self, number: str, message: str) -> None:
        super().__init__(message)
        self.number = number


class BlankAccountingError(CertificateError):
    """A blank used twice, used without a receipt, or used for the wrong document."""


class RegistrationBookError(CertificateError):
    """A registration book entry that breaks the numbering or the one-row-per-blank rule."""
