"""The certificate lifecycle: allowed and refused transitions, spoiled blanks, duplicates."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from certificate_builders import (
    STRONG_EGE,
    basic_exams,
    basic_finals,
    basic_year_marks,
    decide,
    secondary_finals,
    secondary_marks,
)

from domain.certificates.blanks import Blank, BlankKind, SpoilageAct
from domain.certificates.errors import RegistrationBookError, TransitionNotAllowed
from domain.certificates.exams import ExamResult
from domain.certificates.kinds import CertificateKind
from domain.certificates.lifecycle import (
    Certificate,
    CertificateStatus,
    DuplicateGround,
    OriginalDisposition,
    create_duplicate,
)
from domain.certificates.marks import Period
from domain.certificates.registration_book import Handover, HandoverMethod, OrderRef

SECRETARY = 41
HEAD = 7
AT = datetime(2026, 6, 20, 10, 0)
ISSUE_DATE = date(2026, 6, 25)
ORDER = OrderRef("112-о", date(2026, 6, 24))
IN_PERSON = Handover(HandoverMethod.IN_PERSON)


def _blank(number: str, kind: BlankKind = BlankKind.BASIC) -> Blank:
    return Blank(number, kind)


def _computed(
    history: int = 5,
    exams: list[ExamResult] | None = None,
    certificate_id: str = "cert-1",
) -> Certificate:
    exams = basic_exams() if exams is None else exams
    finals = basic_finals(basic_year_marks({"history": history}), exams)
    return Certificate.computed(
        certificate_id=certificate_id,
        pupil_id=1001,
        organization_id=55,
        graduation_year=2026,
        final_marks=finals,
        decision=decide(finals, exams),
        by=SECRETARY,
        at=AT,
    )


def _formed(history: int = 4) -> Certificate:
    return _computed(history).review(by=SECRETARY, at=AT).form(by=HEAD, at=AT)


def _secondary(missing_history_h1: bool = False) -> Certificate:
    marks = secondary_marks()
    if missing_history_h1:
        marks = [
            m
            for m in marks
            if not (m.subject == "history" and m.grade == 11 and m.period is Period.H1)
        ]
    finals = secondary_finals(marks)
    return Certificate.computed(
        certificate_id="cert-11",
        pupil_id=2001,
        organization_id=55,
        graduation_year=2026,
        final_marks=finals,
        decision=decide(finals, STRONG_EGE),
        by=SECRETARY,
        at=AT,
    )


def _printed(history: int = 4, number: str = "01234000000011") -> Certificate:
    return (
        _formed(history)
        .assign_blank(_blank(number), by=SECRETARY, at=AT)
        .record_printed(
            registration_number="017", issue_date=ISSUE_DATE, by=SECRETARY, at=AT
        )
    )


def _issued() -> Certificate:
    return _printed().issue(
        handover=IN_PERSON,
        handed_over_on=ISSUE_DATE,
        issue_order=ORDER,
        by=SECRETARY,
        at=AT,
    )


class TestHappyPath:
    def test_goes_from_computed_to_exported_with_an_event_per_step(self) -> None:
        certificate = _issued().mark_exported(
            batch_id="frdo-2026-07", by=SECRETARY, at=AT
        )

        assert certificate.status is CertificateStatus.EXPORTED
        assert certificate.kind is CertificateKind.BASIC
        assert [e.action for e in certificate.events] == [
            "compute",
            "review",
            "form",
            "assign_blank",
            "print",
            "issue",
            "export",
        ]
        assert certificate.registration_number == "017"
        assert certificate.is_locked

    def test_forming_locks_the_marks(self) -> None:
        formed = _formed()

        assert formed.is_locked
        with pytest.raises(TransitionNotAllowed, match="отмените формирование"):
            formed.recompute(formed.final_marks, formed.decision, by=SECRETARY, at=AT)

    def test_recompute_before_forming_sends_back_to_review(self) -> None:
        reviewed = _computed().review(by=SECRETARY, at=AT)
        recomputed = reviewed.recompute(
            reviewed.final_marks, reviewed.decision, by=SECRETARY, at=AT
        )

        assert recomputed.status is CertificateStatus.COMPUTED

    def test_handover_by_proxy_and_by_post_keep_their_details(self) -> None:
        proxy = Handover(
            HandoverMethod.PROXY,
            proxy_name="Иванова Мария Петровна",
            proxy_document="доверенность от 20.06.2026",
        )
        issued = _printed().issue(
            handover=proxy,
            handed_over_on=date(2026, 6, 30),
            issue_order=ORDER,
            by=SECRETARY,
            at=AT,
        )

        assert issued.handover == proxy
        with pytest.raises(RegistrationBookError, match="почтового отправления"):
            Handover(HandoverMethod.POST, postal_item_number="80082712345678")


class TestRefusals:
    def test_cannot_form_before_review(self) -> None:
        with pytest.raises(
            TransitionNotAllowed, match="сформировать аттестат"
        ) as error:
            _computed().form(by=HEAD, at=AT)
        assert "«рассчитан»" in error.value.message

    def test_cannot_issue_before_printing(self) -> None:
        with pytest.raises(TransitionNotAllowed, match="выдать документ"):
            _formed().issue(
                handover=IN_PERSON,
                handed_over_on=ISSUE_DATE,
                issue_order=ORDER,
                by=SECRETARY,
                at=AT,
            )

    def test_cannot_export_before_issue(self) -> None:
        with pytest.raises(TransitionNotAllowed, match="ФИС ФРДО"):
            _printed().mark_exported(batch_id="b", by=SECRETARY, at=AT)

    def test_review_is_refused_while_marks_are_incomplete(self) -> None:
        exams = basic_exams()
        marks = [m for m in basic_year_marks() if m.subject != "russian"]
        certificate = Certificate.computed(
            certificate_id="cert-2",
            pupil_id=1002,
            organization_id=55,
            graduation_year=2026,
            final_marks=basic_finals(marks, exams),
            decision=None,
            by=SECRETARY,
            at=AT,
        )

        with pytest.raises(TransitionNotAllowed, match="рассчитаны не полностью"):
            certificate.review(by=SECRETARY, at=AT)

    def test_warnings_must_be_confirmed_explicitly(self) -> None:
        certificate = _secondary(missing_history_h1=True)
        assert certificate.final_marks.warnings

        with pytest.raises(TransitionNotAllowed, match="подтвердить явно"):
            certificate.review(by=SECRETARY, at=AT)
        reviewed = certificate.review(by=SECRETARY, at=AT, confirm_warnings=True)
        assert reviewed.status is CertificateStatus.REVIEWED
        assert reviewed.warnings_confirmed
        assert dict(reviewed.events[-1].details) == {"warnings_confirmed": "true"}

    def test_secondary_certificate_needs_a_secondary_blank(self) -> None:
        formed = _secondary().review(by=SECRETARY, at=AT).form(by=HEAD, at=AT)
        assert formed.kind is CertificateKind.SECONDARY_HONOURS

        with pytest.raises(TransitionNotAllowed, match="о среднем общем образовании"):
            formed.assign_blank(
                _blank("01234000000011", BlankKind.BASIC_HONOURS), by=SECRETARY, at=AT
            )

    def test_honours_document_needs_an_honours_blank(self) -> None:
        honours = _computed(history=5).review(by=SECRETARY, at=AT).form(by=HEAD, at=AT)
        assert honours.kind is CertificateKind.BASIC_HONOURS

        with pytest.raises(TransitionNotAllowed, match="с отличием"):
            honours.assign_blank(_blank("01234000000011"), by=SECRETARY, at=AT)
        assigned = honours.assign_blank(
            _blank("01234000000099", BlankKind.BASIC_HONOURS), by=SECRETARY, at=AT
        )
        assert assigned.status is CertificateStatus.BLANK_ASSIGNED

    def test_study_record_is_printed_without_a_blank(self) -> None:
        certificate = _computed(exams=basic_exams(mathematics=2))
        formed = certificate.review(by=SECRETARY, at=AT).form(by=HEAD, at=AT)
        assert formed.kind is CertificateKind.STUDY_RECORD

        with pytest.raises(TransitionNotAllowed, match="без бланка"):
            formed.assign_blank(_blank("01234000000011"), by=SECRETARY, at=AT)
        printed = formed.record_printed(
            registration_number="С-3", issue_date=ISSUE_DATE, by=SECRETARY, at=AT
        )
        assert printed.status is CertificateStatus.PRINTED

    def test_cannot_hand_over_before_the_printed_issue_date(self) -> None:
        with pytest.raises(TransitionNotAllowed, match="раньше даты выдачи"):
            _printed().issue(
                handover=IN_PERSON,
                handed_over_on=date(2026, 6, 24),
                issue_order=ORDER,
                by=SECRETARY,
                at=AT,
            )


class TestSpoiledBlanks:
    def test_printed_document_with_an_error_is_reprinted_on_a_new_blank(self) -> None:
        act = SpoilageAct(
            "3", date(2026, 6, 21), ("01234000000011",), "опечатка в фамилии"
        )
        replaced = _printed().spoil_blanks(
            act, replacements=[_blank("01234000000012")], by=SECRETARY, at=AT
        )

        assert replaced.status is CertificateStatus.BLANK_ASSIGNED
        assert replaced.blank == _blank("01234000000012")
        assert replaced.registration_number is None
        (spoiled,) = replaced.spoiled_blanks
        assert (spoiled.number, spoiled.act_number, spoiled.registration_number) == (
            "01234000000011",
            "3",
            "017",
        )
        assert replaced.events[-1].reason == "опечатка в фамилии"

    def test_act_must_list_the_documents_blank(self) -> None:
        act = SpoilageAct("3", date(2026, 6, 21), ("01234000000050",), "замятие")
        with pytest.raises(TransitionNotAllowed, match="нет бланков этого документа"):
            _printed().spoil_blanks(act, by=SECRETARY, at=AT)

    def test_replacement_must_be_of_the_same_kind(self) -> None:
        act = SpoilageAct("3", date(2026, 6, 21), ("01234000000011",), "замятие")
        with pytest.raises(TransitionNotAllowed, match="того же вида"):
            _printed().spoil_blanks(
                act,
                replacements=[_blank("01234000000012", BlankKind.BASIC_HONOURS)],
                by=SECRETARY,
                at=AT,
            )


class TestCancel:
    def test_cancel_with_an_assigned_blank_releases_blank_and_lock(self) -> None:
        assigned = _formed().assign_blank(_blank("01234000000011"), by=SECRETARY, at=AT)
        cancelled = assigned.cancel(reason="ошибка в годовой отметке", by=HEAD, at=AT)

        assert cancelled.status is CertificateStatus.CANCELLED
        assert not cancelled.is_locked
        assert cancelled.blank is None
        event = cancelled.events[-1]
        assert (event.action, event.actor_id, event.reason) == (
            "cancel",
            HEAD,
            "ошибка в годовой отметке",
        )
        assert dict(event.details) == {"released": "01234000000011"}

    def test_cancel_after_printing_needs_a_write_off_act(self) -> None:
        printed = _printed()
        with pytest.raises(TransitionNotAllowed, match="списанием бланков"):
            printed.cancel(reason="ошибка", by=HEAD, at=AT)

        act = SpoilageAct(
            "4", date(2026, 6, 22), ("01234000000011",), "отмена аттестата"
        )
        cancelled = printed.cancel(reason="ошибка", by=HEAD, at=AT, act=act)
        assert cancelled.status is CertificateStatus.CANCELLED
        assert [s.number for s in cancelled.spoiled_blanks] == ["01234000000011"]

    def test_cancel_needs_a_reason(self) -> None:
        with pytest.raises(TransitionNotAllowed, match="причину"):
            _formed().cancel(reason=" ", by=HEAD, at=AT)

    def test_cancel_after_issue_is_refused(self) -> None:
        with pytest.raises(TransitionNotAllowed, match="только через дубликат"):
            _issued().cancel(reason="ошибка", by=HEAD, at=AT)


class TestDuplicates:
    def test_lost_certificate_gets_a_duplicate_with_the_originals_data(self) -> None:
        original = _issued()
        marked, duplicate = create_duplicate(
            original,
            duplicate_id="cert-1-d1",
            ground=DuplicateGround.LOSS,
            disposition=OriginalDisposition.LOST,
            by=SECRETARY,
            at=datetime(2028, 3, 1, 9, 0),
        )

        assert marked.disposition is OriginalDisposition.LOST
        assert marked.replaced_by == ("cert-1-d1",)
        assert marked.status is CertificateStatus.ISSUED
        assert duplicate.status is CertificateStatus.FORMED and duplicate.is_locked
        assert duplicate.is_duplicate and duplicate.duplicate_of == "cert-1"
        assert duplicate.original_registration_number == "017"
        assert duplicate.final_marks == original.final_marks
        assert duplicate.marks_version == 1

        issued = (
            duplicate.assign_blank(_blank("01234000000077"), by=SECRETARY, at=AT)
            .record_printed(
                registration_number="004",
                issue_date=date(2028, 3, 10),
                by=SECRETARY,
                at=AT,
            )
            .issue(
                handover=IN_PERSON,
                handed_over_on=date(2028, 3, 10),
                issue_order=ORDER,
                by=SECRETARY,
                at=AT,
            )
        )
        assert issued.status is CertificateStatus.ISSUED

    def test_error_after_issue_gives_a_new_version_of_final_marks(self) -> None:
        original = _issued()
        exams = basic_exams()
        corrected = basic_finals(basic_year_marks({"history": 5}), exams)

        _, duplicate = create_duplicate(
            original,
            duplicate_id="cert-1-d1",
            ground=DuplicateGround.ERROR_AFTER_ISSUE,
            disposition=OriginalDisposition.EXCHANGED,
            corrected=(corrected, decide(corrected, exams)),
            by=SECRETARY,
            at=AT,
        )

        assert duplicate.marks_version == 2
        assert duplicate.kind is CertificateKind.BASIC_HONOURS
        history = duplicate.final_marks.mark_for("history")
        assert history is not None and history.value == 5

    def test_corrected_marks_only_for_an_error_found_after_issue(self) -> None:
        original = _issued()
        assert original.decision is not None
        with pytest.raises(TransitionNotAllowed, match="только при ошибке"):
            create_duplicate(
                original,
                duplicate_id="d",
                ground=DuplicateGround.DAMAGE,
                disposition=OriginalDisposition.DESTROYED,
                corrected=(original.final_marks, original.decision),
                by=SECRETARY,
                at=AT,
            )

    def test_a_lost_original_cannot_be_recorded_as_exchanged(self) -> None:
        with pytest.raises(TransitionNotAllowed, match="утрата"):
            create_duplicate(
                _issued(),
                duplicate_id="d",
                ground=DuplicateGround.LOSS,
                disposition=OriginalDisposition.EXCHANGED,
                by=SECRETARY,
                at=AT,
            )

    def test_no_duplicate_before_issue(self) -> None:
        with pytest.raises(TransitionNotAllowed, match="оформить дубликат"):
            create_duplicate(
                _printed(),
                duplicate_id="d",
                ground=DuplicateGround.DAMAGE,
                disposition=OriginalDisposition.DESTROYED,
                by=SECRETARY,
                at=AT,
            )

    def test_an_original_is_replaced_only_once(self) -> None:
        marked, _ = create_duplicate(
            _issued(),
            duplicate_id="d1",
            ground=DuplicateGround.DAMAGE,
            disposition=OriginalDisposition.DESTROYED,
            by=SECRETARY,
            at=AT,
        )
        with pytest.raises(TransitionNotAllowed, match="уже заменён"):
            create_duplicate(
                marked,
                duplicate_id="d2",
                ground=DuplicateGround.LOSS,
                disposition=OriginalDisposition.LOST,
                by=SECRETARY,
                at=AT,
            )

    def test_supplement_only_duplicate_is_printed_on_a_supplement_blank(self) -> None:
        _, duplicate = create_duplicate(
            _issued(),
            duplicate_id="d1",
            ground=DuplicateGround.LOSS,
            disposition=OriginalDisposition.LOST,
            supplement_only=True,
            by=SECRETARY,
            at=AT,
        )
        with pytest.raises(TransitionNotAllowed, match="приложения"):
            duplicate.assign_blank(_blank("01234000000078"), by=SECRETARY, at=AT)
        assigned = duplicate.assign_blank(
            _blank("01234000000078", BlankKind.BASIC_SUPPLEMENT), by=SECRETARY, at=AT
        )
        assert assigned.status is CertificateStatus.BLANK_ASSIGNED
