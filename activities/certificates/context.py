"""Who acts on certificates, when and for which school; rule errors with their HTTP meaning."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from activities.certificates.ports import LockActor
from domain.certificates.errors import (
    BlankAccountingError,
    CertificateError,
    InvalidBlankNumber,
    TransitionNotAllowed,
)
from domain.gradebook.audit import Actor, refused_write
from domain.gradebook.errors import GradebookError
from gateways.frdo.errors import FrdoAlreadyExported, FrdoError, FrdoValidationFailed
from tsos.gradebook import audit_log

# Staff who run the certificate process; the deputy head answers mark issues.
CERTIFICATE_ROLES = frozenset({"secretary", "school_head"})


class CertificateRuleError(Exception):
    """A rule the request breaks: Russian message, a code, the HTTP status, the field."""

    def __init__(self, message: str, *, code: str = "step_not_allowed", status: int = 409,
                 field: str | None = None, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.field = field
        self.details = details or []


def invalid(message: str, field: str) -> CertificateRuleError:
    return CertificateRuleError(message, code="invalid_input", status=422, field=field)


@contextmanager
def as_rule_errors(field: str | None = None) -> Iterator[None]:
    """Errors of the domain and the gateways become CertificateRuleError."""
    try:
        yield
    except CertificateRuleError:
        raise
    except TransitionNotAllowed as error:
        raise CertificateRuleError(error.message) from None
    except InvalidBlankNumber as error:
        raise CertificateRuleError(error.message, code="invalid_input", status=422,
                                   field=field or "blank_number") from None
    except BlankAccountingError as error:
        raise CertificateRuleError(error.message, code="blanks") from None
    except CertificateError as error:
        raise CertificateRuleError(error.message, code="invalid_input", status=422,
                                   field=field) from None
    except GradebookError as error:
        raise CertificateRuleError(error.message, code=error.code,
                                   status=error.http_status) from None
    except FrdoAlreadyExported as error:
        raise CertificateRuleError(error.message_ru, code="already_exported") from None
    except FrdoValidationFailed as error:
        raise CertificateRuleError(
            error.message_ru, code="frdo_invalid", status=422, field="frdo",
            details=[f"строка {p.row_number}, «{p.column_title}»: {p.message_ru}"
                     for p in error.problems]) from None
    except FrdoError as error:
        raise CertificateRuleError(error.message_ru, code="frdo") from None


@dataclass(frozen=True)
class CertContext:
    session: Session
    organization_id: int
    user_id: int
    role: str
    # On the school's clock: its local date is the date of acts and book rows.
    at: datetime
    workflow_id: str | None = None

    @property
    def today(self) -> date:
        return self.at.date()

    def require_staff(self, what: str) -> None:
        if self.role not in CERTIFICATE_ROLES:
            raise CertificateRuleError(f"Роль «{self.role}» не может {what}",
                                       code="forbidden", status=403)

    def lock_actor(self) -> LockActor:
        return LockActor(self.user_id, self.role, self.at, self.workflow_id,
                         self.organization_id)

    def audit_refusal(self, object_kind: str, object_id: int | None, action: str, *,
                      code: str, reason: str, refs: Mapping[str, int]) -> None:
        """Audit a refused write as the gradebook audits its refusals, in a transaction
        of its own: the caller's rolls back with the refusal."""
        event = refused_write(Actor(self.user_id, self.role), self.at, object_kind,
                              object_id, action, code=code, reason=reason,
                              workflow_id=self.workflow_id, refs=refs)
        with Session(bind=self.session.get_bind()) as own:
            own.add(audit_log.row_of(event, self.organization_id))
            own.commit()

    def serialise_school(self, what: str) -> None:
        """Hold, until commit, the school's lock on its blanks and book numbering."""
        key = hash_key(f"certificates:{what}:{self.organization_id}")
        self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def hash_key(name: str) -> int:
    import hashlib

    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
