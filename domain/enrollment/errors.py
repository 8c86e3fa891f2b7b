"""The errors of the enrollment rules; every message is in Russian for the person who sees it."""

from __future__ import annotations

from collections.abc import Sequence


class EnrollmentError(ValueError):
    """A rule of first-grade enrollment was broken; `message` is shown to the user as is."""

    code = "enrollment_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CampaignConfigError(EnrollmentError):
    """The campaign file cannot be used; `problems` lists every reason in Russian."""

    code = "invalid_campaign_config"

    def __init__(self, problems: Sequence[str]) -> None:
        listed = "\n".join(f"- {problem}" for problem in problems)
        super().__init__(f"Файл приёмной кампании не принят:\n{listed}")
        self.problems = tuple(problems)


class CampaignDeploymentMismatchError(CampaignConfigError):
    """The campaign file was prepared for another region or time zone."""

    code = "campaign_for_another_deployment"


class TerritoryGrammarError(EnrollmentError):
    """An item of an assigned-territory house list cannot be read."""

    code = "invalid_territory"

    def __init__(
        self, *, school_code: str | None, street: str | None, item: str, problem: str
    ):
        where = f"школа {school_code}" if school_code else "закреплённая территория"
        if street:
            where = f"{where}, {street}"
        super().__init__(f"{where}: элемент списка домов «{item}» — {problem}")
        self.school_code = school_code
        self.street = street
        self.item = item
        self.problem = problem


class NaiveMomentError(EnrollmentError):
    """A moment was given without its UTC offset, so its place in the queue is unknown."""

    code = "moment_without_offset"

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}: время указано без часового пояса (смещения от UTC)")
        self.what = what


class BirthAfterReferenceDateError(EnrollmentError):
    """The child's birth date is later than the date the age is taken on."""

    code = "birth_after_reference_date"


class RankingInputError(EnrollmentError):
    """The list to rank or allocate is inconsistent (for example, an order appears twice)."""

    code = "invalid_ranking_input"


class TransitionNotAllowedError(EnrollmentError):
    """The application's state does not allow the requested event."""

    code = "transition_not_allowed"

    def __init__(self, message: str, *, current: str | None, event: str) -> None:
        super().__init__(message)
        self.current = current
        self.event = event
