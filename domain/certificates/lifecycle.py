"""Certificate lifecycle as a pure state machine (§3.7, §5.4, §7, §8).

computed → reviewed → formed (marks locked) → blank assigned → printed → issued → exported;
a spoiled blank is written off with an act and replaced; cancelling before issue releases
the lock; after issue only a duplicate may be made. Every step returns a new certificate
with one more event; refused steps raise TransitionNotAllowed with a Russian message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NoReturn

from domain.certificates.blanks import (
    Blank,
    SpoilageAct,
    blank_kind_for,
    supplement_kind_for,
)
from domain.certificates.errors import TransitionNotAllowed
from domain.certificates.final_marks import FinalMarks
from domain.certificates.honours import CertificateDecision
from domain.certificates.kinds import CertificateKind, Level, Medal
from domain.certificates.registration_book import Handover, OrderRef


class CertificateStatus(StrEnum):
    COMPUTED = "computed"
    REVIEWED = "reviewed"
    FORMED = "formed"
    BLANK_ASSIGNED = "blank_assigned"
    PRINTED = "printed"
    ISSUED = "issued"
    EXPORTED = "exported"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    CertificateStatus.COMPUTED: "рассчитан",
    CertificateStatus.REVIEWED: "проверен",
    CertificateStatus.FORMED: "сформирован",
    CertificateStatus.BLANK_ASSIGNED: "бланк назначен",
    CertificateStatus.PRINTED: "напечатан",
    CertificateStatus.ISSUED: "выдан",
    CertificateStatus.EXPORTED: "выгружен в ФИС ФРДО",
    CertificateStatus.CANCELLED: "отменён",
}

# Final marks may not change in these states: the book, the blank and ФРДО must agree.
LOCKED_STATUSES = frozenset(
    {
        CertificateStatus.FORMED,
        CertificateStatus.BLANK_ASSIGNED,
        CertificateStatus.PRINTED,
        CertificateStatus.ISSUED,
        CertificateStatus.EXPORTED,
    }
)
ISSUED_STATUSES = frozenset({CertificateStatus.ISSUED, CertificateStatus.EXPORTED})


class DuplicateGround(StrEnum):
    LOSS = "loss"
    DAMAGE = "damage"
    ERROR_AFTER_ISSUE = "error_after_issue"
    NAME_CHANGE = "name_change"

    @property
    def label(self) -> str:
        return {
            DuplicateGround.LOSS: "утрата",
            DuplicateGround.DAMAGE: "порча",
            DuplicateGround.ERROR_AFTER_ISSUE: "ошибка, обнаруженная после выдачи",
            DuplicateGround.NAME_CHANGE: "изменение фамилии, имени или отчества",
        }[self]


class OriginalDisposition(StrEnum):
    """What became of the original once a duplicate replaces it (ФРДО flags D–F)."""

    LOST = "lost"
    EXCHANGED = "exchanged"
    DESTROYED = "destroyed"

    @property
    def label(self) -> str:
        return {
            OriginalDisposition.LOST: "утрачен",
            OriginalDisposition.EXCHANGED: "обменян",
            OriginalDisposition.DESTROYED: "уничтожен",
        }[self]


@dataclass(frozen=True)
class CertificateEvent:
    """One audited step: who, when, from which state to which, and the details."""

    action: str
    at: datetime
    actor_id: int
    status_from: CertificateStatus | None
    status_to: CertificateStatus
    details: tuple[tuple[str, str], ...] = ()
    reason: str | None = None


@dataclass(frozen=True)
class SpoiledBlank:
    number: str
    act_number: str
    act_date: date
    registration_number: str | None


@dataclass(frozen=True)
class Certificate:
    certificate_id: str
    pupil_id: int
    organization_id: int
    graduation_year: int
    level: Level
    final_marks: FinalMarks
    decision: CertificateDecision | None
    status: CertificateStatus
    marks_version: int = 1
    warnings_confirmed: bool = False
    blank: Blank | None = None
    supplement_blank: Blank | None = None
    spoiled_blanks: tuple[SpoiledBlank, ...] = ()
    registration_number: str | None = None
    issue_date: date | None = None
    handover: Handover | None = None
    handed_over_on: date | None = None
    issue_order: OrderRef | None = None
    exported_batch_id: str | None = None
    duplicate_of: str | None = None
    original_registration_number: str | None = None
    duplicate_ground: DuplicateGround | None = None
    supplement_only: bool = False
    disposition: OriginalDisposition | None = None
    replaced_by: tuple[str, ...] = ()
    cancellation_reason: str | None = None
    events: tuple[CertificateEvent, ...] = ()

    @property
    def kind(self) -> CertificateKind | None:
        return self.decision.kind if self.decision else None

    @property
    def medal(self) -> Medal | None:
        return self.decision.medal if self.decision else None

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None

    @property
    def assigned_blanks(self) -> tuple[Blank, ...]:
        return tuple(b for b in (self.blank, self.supplement_blank) if b is not None)

    # --- creation and review -------------------------------------------------------

    @classmethod
    def computed(
        cls,
        *,
        certificate_id: str,
        pupil_id: int,
        organization_id: int,
        graduation_year: int,
        final_marks: FinalMarks,
        decision: CertificateDecision | None,
        by: int,
        at: datetime,
    ) -> Certificate:
        """A new certificate with freshly computed marks (and a decision, if computable)."""
        _check_decision(certificate_id, final_marks, decision)
        certificate = cls(
            certificate_id=certificate_id,
            pupil_id=pupil_id,
            organization_id=organization_id,
            graduation_year=graduation_year,
            level=final_marks.level,
            final_marks=final_marks,
            decision=decision,
            status=CertificateStatus.COMPUTED,
        )
        return certificate._event("compute", None, CertificateStatus.COMPUTED, by, at)

    def recompute(
        self,
        final_marks: FinalMarks,
        decision: CertificateDecision | None,
        *,
        by: int,
        at: datetime,
    ) -> Certificate:
        """New marks before forming; a reviewed certificate goes back to review."""
        if self.is_locked:
            hint = (
                "исправить отметки можно только через дубликат"
                if self.status in ISSUED_STATUSES
                else "чтобы изменить их, отмените формирование аттестата"
            )
            self._refuse(f"Итоговые отметки зафиксированы: {hint}")
        self._require(
            "recompute", {CertificateStatus.COMPUTED, CertificateStatus.REVIEWED}
        )
        if final_marks.level is not self.level:
            self._refuse("Новые отметки рассчитаны для другого уровня образования")
        _check_decision(self.certificate_id, final_marks, decision)
        changed = dataclasses.replace(
            self, final_marks=final_marks, decision=decision, warnings_confirmed=False
        )
        return changed._event(
            "recompute", self.status, CertificateStatus.COMPUTED, by, at
        )

    def review(
        self, *, by: int, at: datetime, confirm_warnings: bool = False
    ) -> Certificate:
        """The registrar checked the marks and the decision; warnings need confirmation."""
        self._require("review", {CertificateStatus.COMPUTED})
        if self.final_marks.problems:
            self._refuse(
                "Итоговые отметки рассчитаны не полностью: "
                + "; ".join(self.final_marks.problems)
            )
        if self.decision is None:
            self._refuse("Не определён вид документа: пересчитайте итоговые отметки")
        if self.final_marks.warnings and not confirm_warnings:
            self._refuse(
                "Есть предупреждения по итоговым отметкам, их нужно подтвердить явно: "
                + "; ".join(self.final_marks.warnings)
            )
        reviewed = dataclasses.replace(
            self, warnings_confirmed=bool(self.final_marks.warnings)
        )
        details = {"warnings_confirmed": str(reviewed.warnings_confirmed).lower()}
        return reviewed._event(
            "review", self.status, CertificateStatus.REVIEWED, by, at, details
        )

    def form(self, *, by: int, at: datetime) -> Certificate:
        """Lock the final marks together with their inputs and the rule-set version."""
        self._require("form", {CertificateStatus.REVIEWED})
        details = {
            "rule_set_version": self.final_marks.rule_set_version,
            "marks_version": str(self.marks_version),
            "kind": str(self.kind),
        }
        return self._event(
            "form", self.status, CertificateStatus.FORMED, by, at, details
        )

    # --- blanks and printing -------------------------------------------------------

    def assign_blank(
        self, blank: Blank, *, supplement: Blank | None = None, by: int, at: datetime
    ) -> Certificate:
        """Take a blank (and a numbered supplement blank) from stock for this document."""
        self._require("assign_blank", {CertificateStatus.FORMED})
        self._check_blank_kinds(blank, supplement)
        assigned = dataclasses.replace(self, blank=blank, supplement_blank=supplement)
        details = _blank_details(assigned.assigned_blanks)
        return assigned._event(
            "assign_blank",
            self.status,
            CertificateStatus.BLANK_ASSIGNED,
            by,
            at,
            details,
        )

    def release_blank(self, *, by: int, at: datetime) -> Certificate:
        """Return an unused, unprinted blank to stock."""
        self._require("release_blank", {CertificateStatus.BLANK_ASSIGNED})
        details = _blank_details(self.assigned_blanks)
        released = dataclasses.replace(self, blank=None, supplement_blank=None)
        return released._event(
            "release_blank", self.status, CertificateStatus.FORMED, by, at, details
        )

    def record_printed(
        self, *, registration_number: str, issue_date: date, by: int, at: datetime
    ) -> Certificate:
        """The document was printed, with its registration number and issue date on it."""
        allowed = {CertificateStatus.BLANK_ASSIGNED}
        if self.kind is CertificateKind.STUDY_RECORD:
            # A справка is printed on plain paper: no blank is assigned.
            allowed = {CertificateStatus.FORMED}
        self._require("print", allowed)
        if not registration_number.strip():
            self._refuse("Для печати нужен регистрационный номер из книги регистрации")
        printed = dataclasses.replace(
            self, registration_number=registration_number, issue_date=issue_date
        )
        details = {
            "registration_number": registration_number,
            "issue_date": str(issue_date),
        }
        return printed._event(
            "print", self.status, CertificateStatus.PRINTED, by, at, details
        )

    def spoil_blanks(
        self,
        act: SpoilageAct,
        *,
        replacements: Sequence[Blank] = (),
        by: int,
        at: datetime,
    ) -> Certificate:
        """Write off spoiled blanks by an act; with replacements the document is reprinted.

        A printed document with an error is never corrected (§5.4): every blank it was
        printed on is spoiled and its registration number is not reused.
        """
        self._require(
            "spoil", {CertificateStatus.BLANK_ASSIGNED, CertificateStatus.PRINTED}
        )
        spoiled = [b for b in self.assigned_blanks if b.number in act.blank_numbers]
        if not spoiled:
            self._refuse(f"В акте № {act.number} нет бланков этого документа")
        if self.status is CertificateStatus.PRINTED and len(spoiled) != len(
            self.assigned_blanks
        ):
            self._refuse(
                "Напечатанный документ списывается целиком: включите в акт все его бланки"
            )
        replacement_by_kind = self._match_replacements(spoiled, replacements)

        records = tuple(
            SpoiledBlank(b.number, act.number, act.dated, self.registration_number)
            for b in spoiled
        )
        blank, supplement = self.blank, self.supplement_blank
        if blank is not None and blank in spoiled:
            blank = replacement_by_kind.get(blank.kind)
        if supplement is not None and supplement in spoiled:
            supplement = replacement_by_kind.get(supplement.kind)
        target = (
            CertificateStatus.BLANK_ASSIGNED
            if replacements
            else CertificateStatus.FORMED
        )
        if target is CertificateStatus.FORMED:
            blank, supplement = None, None
        changed = dataclasses.replace(
            self,
            blank=blank,
            supplement_blank=supplement,
            spoiled_blanks=(*self.spoiled_blanks, *records),
            registration_number=None,
            issue_date=None,
        )
        details = {
            "act": act.number,
            "spoiled": ", ".join(b.number for b in spoiled),
            "replacements": ", ".join(b.number for b in replacements),
        }
        return changed._event("spoil", self.status, target, by, at, details, act.reason)

    # --- issue, export, cancel -----------------------------------------------------

    def issue(
        self,
        *,
        handover: Handover,
        handed_over_on: date,
        issue_order: OrderRef,
        by: int,
        at: datetime,
    ) -> Certificate:
        """Handed to the graduate (in person, by proxy or by post); recorded in the book."""
        self._require("issue", {CertificateStatus.PRINTED})
        if self.issue_date is not None and handed_over_on < self.issue_date:
            self._refuse(
                "Документ не может быть передан раньше даты выдачи, указанной на нём"
            )
        issued = dataclasses.replace(
            self,
            handover=handover,
            handed_over_on=handed_over_on,
            issue_order=issue_order,
        )
        details = {
            "handover": handover.method.value,
            "handed_over_on": str(handed_over_on),
            "order": issue_order.number,
        }
        return issued._event(
            "issue", self.status, CertificateStatus.ISSUED, by, at, details
        )

    def mark_exported(self, *, batch_id: str, by: int, at: datetime) -> Certificate:
        self._require("export", {CertificateStatus.ISSUED})
        exported = dataclasses.replace(self, exported_batch_id=batch_id)
        return exported._event(
            "export",
            self.status,
            CertificateStatus.EXPORTED,
            by,
            at,
            {"batch_id": batch_id},
        )

    def cancel(
        self,
        *,
        reason: str,
        by: int,
        at: datetime,
        act: SpoilageAct | None = None,
    ) -> Certificate:
        """Cancel before issue: releases the lock; a printed document needs a write-off act."""
        if self.status in ISSUED_STATUSES:
            self._refuse(
                "Аттестат уже выдан: отменить его нельзя, исправление — только через дубликат"
            )
        self._require(
            "cancel",
            {
                CertificateStatus.COMPUTED,
                CertificateStatus.REVIEWED,
                CertificateStatus.FORMED,
                CertificateStatus.BLANK_ASSIGNED,
                CertificateStatus.PRINTED,
            },
        )
        if not reason.strip():
            self._refuse("Укажите причину отмены")

        current = self
        details: dict[str, str] = {}
        if self.status is CertificateStatus.PRINTED and self.assigned_blanks:
            if act is None:
                self._refuse(
                    "Напечатанный документ отменяется только со списанием бланков актом"
                )
            current = self.spoil_blanks(act, by=by, at=at)
        elif self.status is CertificateStatus.BLANK_ASSIGNED:
            details = {"released": ", ".join(b.number for b in self.assigned_blanks)}
            current = dataclasses.replace(self, blank=None, supplement_blank=None)

        cancelled = dataclasses.replace(current, cancellation_reason=reason)
        return cancelled._event(
            "cancel",
            current.status,
            CertificateStatus.CANCELLED,
            by,
            at,
            details,
            reason,
        )

    # --- internals -----------------------------------------------------------------

    def _require(self, action: str, allowed: set[CertificateStatus]) -> None:
        if self.status not in allowed:
            expected = ", ".join(f"«{s.label}»" for s in sorted(allowed, key=_order))
            where = "состоянии" if len(allowed) == 1 else "состояниях"
            self._refuse(
                f"Нельзя {_ACTION_LABELS[action]}: документ в состоянии «{self.status.label}», "
                f"а это возможно только в {where} {expected}"
            )

    def _refuse(self, message: str) -> NoReturn:
        raise TransitionNotAllowed(self.certificate_id, message)

    def _check_blank_kinds(self, blank: Blank, supplement: Blank | None) -> None:
        if self.kind is None:
            self._refuse("Не определён вид документа")
        if self.supplement_only:
            wanted = supplement_kind_for(self.level)
        else:
            wanted_kind = blank_kind_for(self.kind)
            if wanted_kind is None:
                self._refuse(
                    "Справка об обучении печатается без бланка строгой отчётности"
                )
            wanted = wanted_kind
        if blank.kind is not wanted:
            self._refuse(
                f"Для документа «{self.kind.label}» нужен {wanted.label}, "
                f"а выбран {blank.kind.label}"
            )
        if supplement is not None:
            supplement_wanted = supplement_kind_for(self.level)
            if self.supplement_only or supplement.kind is not supplement_wanted:
                self._refuse(f"Для приложения нужен {supplement_wanted.label}")
            if supplement.number == blank.number:
                self._refuse("Бланк аттестата и бланк приложения — разные бланки")

    def _match_replacements(
        self, spoiled: Sequence[Blank], replacements: Sequence[Blank]
    ) -> Mapping[Any, Blank]:
        if not replacements:
            return {}
        spoiled_kinds = sorted(b.kind.value for b in spoiled)
        if sorted(b.kind.value for b in replacements) != spoiled_kinds:
            self._refuse(
                "Взамен каждого испорченного бланка нужен один бланк того же вида"
            )
        used = {b.number for b in (*self.assigned_blanks, *replacements)}
        if len(used) != len(self.assigned_blanks) + len(replacements) or any(
            r.number in {s.number for s in self.spoiled_blanks} for r in replacements
        ):
            self._refuse("Новый бланк уже использовался для этого документа")
        return {b.kind: b for b in replacements}

    def _event(
        self,
        action: str,
        status_from: CertificateStatus | None,
        status_to: CertificateStatus,
        by: int,
        at: datetime,
        details: Mapping[str, str] | None = None,
        reason: str | None = None,
    ) -> Certificate:
        event = CertificateEvent(
            action=action,
            at=at,
            actor_id=by,
            status_from=status_from,
            status_to=status_to,
            details=tuple(sorted((details or {}).items())),
            reason=reason,
        )
        return dataclasses.replace(self, status=status_to, events=(*self.events, event))


_ACTION_LABELS = {
    "recompute": "пересчитать итоговые отметки",
    "review": "отметить проверку",
    "form": "сформировать аттестат",
    "assign_blank": "назначить бланк",
    "release_blank": "вернуть бланк на склад",
    "print": "отметить печать",
    "spoil": "списать бланк",
    "issue": "выдать документ",
    "export": "отметить выгрузку в ФИС ФРДО",
    "cancel": "отменить документ",
    "duplicate": "оформить дубликат",
}


def _order(status: CertificateStatus) -> int:
    return list(CertificateStatus).index(status)


def _blank_details(blanks: Sequence[Blank]) -> dict[str, str]:
    return {b.kind.value: b.number for b in blanks}


def _check_decision(
    certificate_id: str, final_marks: FinalMarks, decision: CertificateDecision | None
) -> None:
    if decision is None:
        return
    if (
        decision.level is not final_marks.level
        or decision.rule_set_version != final_marks.rule_set_version
    ):
        raise TransitionNotAllowed(
            certificate_id,
            "Решение о виде документа принято не по этим итоговым отметкам",
        )


# Which disposition of the original each ground allows (§8): a lost original is not
# returned; in the other cases it is handed back and exchanged or destroyed.
_DISPOSITIONS: dict[DuplicateGround, frozenset[OriginalDisposition]] = {
    DuplicateGround.LOSS: frozenset({OriginalDisposition.LOST}),
    DuplicateGround.DAMAGE: frozenset(
        {OriginalDisposition.EXCHANGED, OriginalDisposition.DESTROYED}
    ),
    DuplicateGround.ERROR_AFTER_ISSUE: frozenset(
        {OriginalDisposition.EXCHANGED, OriginalDisposition.DESTROYED}
    ),
    DuplicateGround.NAME_CHANGE: frozenset(
        {OriginalDisposition.EXCHANGED, OriginalDisposition.DESTROYED}
    ),
}


def create_duplicate(
    original: Certificate,
    *,
    duplicate_id: str,
    ground: DuplicateGround,
    disposition: OriginalDisposition,
    by: int,
    at: datetime,
    corrected: tuple[FinalMarks, CertificateDecision] | None = None,
    supplement_only: bool = False,
) -> tuple[Certificate, Certificate]:
    """Replace an issued document: the original is marked, the duplicate starts formed.

    The duplicate carries the original's data (marks from the archive); where a mark was
    wrong (`corrected`, only for an error found after issue) it carries a new version of
    the final marks instead. It then goes through blank, print, issue and export with its
    own registration book row.
    """
    if original.status not in ISSUED_STATUSES:
        original._require("duplicate", set(ISSUED_STATUSES))
    if original.disposition is not None:
        original._refuse(
            f"Документ уже заменён дубликатом ({', '.join(original.replaced_by)}): "
            "новый дубликат оформляется взамен последнего выданного"
        )
    if disposition not in _DISPOSITIONS[ground]:
        original._refuse(
            f"При основании «{ground.label}» оригинал не может быть «{disposition.label}»"
        )
    if corrected is not None and ground is not DuplicateGround.ERROR_AFTER_ISSUE:
        original._refuse(
            "Новая версия итоговых отметок возможна только при ошибке, обнаруженной после выдачи"
        )

    final_marks, decision, version = (
        original.final_marks,
        original.decision,
        original.marks_version,
    )
    if corrected is not None:
        final_marks, decision = corrected
        if final_marks.problems:
            original._refuse(
                "Исправленные итоговые отметки неполны: "
                + "; ".join(final_marks.problems)
            )
        if final_marks.level is not original.level:
            original._refuse(
                "Исправленные отметки рассчитаны для другого уровня образования"
            )
        _check_decision(duplicate_id, final_marks, decision)
        version += 1

    duplicate = Certificate(
        certificate_id=duplicate_id,
        pupil_id=original.pupil_id,
        organization_id=original.organization_id,
        graduation_year=original.graduation_year,
        level=original.level,
        final_marks=final_marks,
        decision=decision,
        status=CertificateStatus.FORMED,
        marks_version=version,
        warnings_confirmed=original.warnings_confirmed,
        duplicate_of=original.certificate_id,
        original_registration_number=original.registration_number,
        duplicate_ground=ground,
        supplement_only=supplement_only,
    )
    details = {
        "original": original.certificate_id,
        "ground": ground.value,
        "marks_version": str(version),
    }
    duplicate = duplicate._event(
        "create_duplicate",
        None,
        CertificateStatus.FORMED,
        by,
        at,
        details,
        ground.label,
    )

    marked = dataclasses.replace(
        original,
        disposition=disposition,
        replaced_by=(*original.replaced_by, duplicate_id),
    )
    marked = marked._event(
        "replace_by_duplicate",
        original.status,
        original.status,
        by,
        at,
        {"duplicate": duplicate_id, "disposition": disposition.value},
        ground.label,
    )
    return marked, duplicate
