"""Errors of the ФРДО export; `message_ru` is what the user sees."""

from collections.abc import Sequence

from gateways.frdo.validation import RowProblem


class FrdoError(Exception):
    """Base of the ФРДО export errors."""

    def __init__(self, message_ru: str) -> None:
        super().__init__(message_ru)
        self.message_ru = message_ru


class FrdoValidationFailed(FrdoError):
    """The rows have blocking problems; nothing was written."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        super().__init__(
            f"Выгрузка в ФИС ФРДО невозможна: найдено ошибок — {len(problems)}. "
            "Исправьте данные и повторите."
        )
        self.problems = list(problems)


class FrdoAlreadyExported(FrdoError):
    """Some documents were exported before; nothing was written."""

    def __init__(self, document_ids: Sequence[str]) -> None:
        super().__init__(
            f"Документы уже выгружались в ФИС ФРДО (их {len(document_ids)}); "
            "повторная выгрузка запрещена."
        )
        self.document_ids = list(document_ids)


class FrdoNothingToExport(FrdoError):
    def __init__(self) -> None:
        super().__init__("Нет документов для выгрузки в ФИС ФРДО.")


class FrdoCapacityExceeded(FrdoError):
    """More rows than one template file holds; split them with `split_rows`."""

    def __init__(self, count: int, capacity: int) -> None:
        super().__init__(
            f"В один файл шаблона ФИС ФРДО помещается не более {capacity} документов, "
            f"а выгружается {count}: разделите выгрузку на несколько пакетов."
        )
        self.count = count
        self.capacity = capacity


class FrdoTemplateMismatch(FrdoError):
    """The configured template is not the version our column definitions describe."""

    def __init__(self, differences: Sequence[str]) -> None:
        super().__init__(
            "Файл шаблона ФИС ФРДО не совпадает с ожидаемой версией: "
            + "; ".join(differences)
        )
        self.differences = list(differences)
