"""Errors of the print module; `message_ru` is what the user sees."""


class CertificatePrintError(ValueError):
    """The document cannot be printed as it is."""

    def __init__(self, message_ru: str) -> None:
        super().__init__(message_ru)
        self.message_ru = message_ru


class InvalidCertificateData(CertificatePrintError):
    """A value that may not appear on a blank (e.g. a mark «2»)."""
