"""Read a schema-valid first-grade 1.0.0 FormData into the domain's classes.

Only this module knows the element names of the contract. It runs after the schema has
accepted the document, so a required element is always there; what the schema accepts but
Python cannot hold (year 0, a 24:00 time) is reported as an unreadable value.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from lxml import etree

from domain.enrollment.application import (
    AdaptedProgramme,
    Address,
    Agreements,
    Applicant,
    ApplicantKind,
    BirthDocument,
    CancelRequest,
    Child,
    Contacts,
    Document,
    DocumentReference,
    FirstGradeApplication,
    ForeignBirthDocument,
    ForeignCitizenInfo,
    Gender,
    IdentityDocument,
    Language,
    Languages,
    PersonName,
    PriorityRight,
    PriorityRightKind,
    RussianBirthCertificate,
    Sibling,
    StatusQuery,
)
from gateways.epgu.results import UnreadableValue
from gateways.epgu.xml import child_elements, local_name

NAMESPACE = "urn://x-artefacts-tsos/epgu/concentrator/first-grade/1.0.0"
_NS = f"{{{NAMESPACE}}}"

_DATE = re.compile(
    r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:Z|[+-]\d{2}:\d{2})?$"
)
_DATE_TIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})T(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})"
    r"(?:\.(?P<fraction>\d+))?(?P<zone>Z|[+-]\d{2}:\d{2})$"
)


def read_operation(
    form_data: etree._Element,
) -> FirstGradeApplication | CancelRequest | StatusQuery:
    """Read the single operation of a FormData."""
    operation = child_elements(form_data)[0]
    name = local_name(operation)
    if name == "cancelRequest":
        return CancelRequest(
            order_id=_order_id(operation),
            reason=_required(operation, "reason").text or "",
        )
    if name == "GetApplicationStatusRequest":
        return StatusQuery(order_id=_order_id(operation))
    return _application(form_data, operation)


def _application(
    form_data: etree._Element, request: etree._Element
) -> FirstGradeApplication:
    services = _required(request, "ServicesType")
    school = _required(request, "EduOrganization")
    return FirstGradeApplication(
        order_id=_order_id(request),
        oktmo=str(form_data.get("oktmo")),
        service_code=_code(services),
        filing_date=_date_time(_required(request, "FilingDate")),
        applicant=_applicant(request),
        child=_child(_required(request, "ChildInfo")),
        registration_address=_address(_required(request, "RegistrationAddress")),
        residence_address=_address(_required(request, "ResidenceAddress")),
        school_code=_code(school),
        school_name=_text(school),
        priority_right=_priority_right(_optional(request, "AdmissionRight")),
        siblings=tuple(
            _sibling(node) for node in request.findall(f"{_NS}BrotherSisterInfo")
        ),
        adapted_programme=_adapted_programme(_required(request, "AdaptationProgram")),
        languages=Languages(
            education=_language(_required(request, "EducationLanguage")),
            native=_language(_required(request, "NativeLanguage")),
            republic_state=_optional_language(
                _optional(request, "RepublicStateLanguage")
            ),
        ),
        foreign_citizen_info=_foreign_citizen_info(
            _optional(request, "ForeignCitizenInfo")
        ),
        agreements=_agreements(_required(request, "Agreements")),
    )


def _applicant(request: etree._Element) -> Applicant:
    person = _required(request, "PersonInfo")
    identity = _required(request, "PersonIdentityDocInfo")
    identity_kind = _required(identity, "IdentityDocName")
    return Applicant(
        kind=ApplicantKind(_value(person, "RepresentativeKind")),
        name=PersonName(
            surname=_text(_required(person, "PersonSurname")),
            name=_text(_required(person, "PersonName")),
            middle_name=_optional_text(person, "PersonMiddleName"),
        ),
        contacts=Contacts(
            phone=_value(person, "PersonPhone"), email=_value(person, "PersonEmail")
        ),
        identity_document=IdentityDocument(
            kind_code=_code(identity_kind),
            kind_name=_text(identity_kind),
            series=_optional_text(identity, "IdentityDocSeries"),
            number=_text(_required(identity, "IdentityDocNumber")),
            issue_date=_date(_required(identity, "IdentityDocIssueDate")),
            issuer_code=_optional_text(identity, "IdentityDocIssueCode"),
            issued_by=_text(_required(identity, "IdentityDocIssued")),
        ),
        representative_document=_document(_optional(person, "RepresentativeDoc")),
    )


def _child(info: etree._Element) -> Child:
    citizenship = _optional(info, "Citizenship")
    snils = _optional(info, "ChildSnils")
    return Child(
        name=PersonName(
            surname=_text(_required(info, "ChildSurname")),
            name=_text(_required(info, "ChildName")),
            middle_name=_optional_text(info, "ChildMiddleName"),
        ),
        birth_date=_date(_required(info, "ChildBirthDate")),
        gender=Gender(_value(info, "ChildGender")),
        snils=_text(snils) if snils is not None else None,
        birth_document=_birth_document(info),
        citizenship=_text(citizenship).strip() if citizenship is not None else None,
    )


def _birth_document(info: etree._Element) -> BirthDocument:
    russian = _optional(info, "ChildBirthDocRF")
    if russian is not None:
        return RussianBirthCertificate(
            series=_text(_required(russian, "ChildBirthDocSeries")),
            number=_text(_required(russian, "ChildBirthDocNumber")),
            issue_date=_date(_required(russian, "ChildBirthDocIssueDate")),
            act_number=_text(_required(russian, "ChildBirthDocActNumber")),
            act_date=_date(_required(russian, "ChildBirthDocActDate")),
            issued_by=_text(_required(russian, "ChildBirthDocIssued")),
        )

    foreign = _required(info, "ChildBirthDocForeign")
    return ForeignBirthDocument(
        name=_text(_required(foreign, "ChildBirthDocName")),
        series=_optional_text(foreign, "ChildBirthDocSeries"),
        number=_text(_required(foreign, "ChildBirthDocNumber")),
        issue_date=_date(_required(foreign, "ChildBirthDocIssueDate")),
        issued_by=_text(_required(foreign, "ChildBirthDocIssued")),
    )


def _address(node: etree._Element) -> Address:
    return Address(
        full_text=_text(_required(node, "FullAddress")),
        postal_code=_optional_text(node, "Index"),
        region=_text(_required(node, "Region")),
        area=_optional_text(node, "Area"),
        city=_optional_text(node, "City"),
        city_area=_optional_text(node, "CityArea"),
        place=_optional_text(node, "Place"),
        street=_optional_text(node, "Street"),
        additional_area=_optional_text(node, "AdditionalArea"),
        additional_street=_optional_text(node, "AdditionalStreet"),
        house=_optional_text(node, "House"),
        building=_optional_text(node, "Building1"),
        structure=_optional_text(node, "Building2"),
        apartment=_optional_text(node, "Apartment"),
        house_guid=_optional_text(node, "HouseGuid"),
    )


def _priority_right(node: etree._Element | None) -> PriorityRight | None:
    if node is None:
        return None
    basis = _required(node, "AdmissionRightBasis")
    document = _document(_required(node, "AdmissionRightDoc"))
    assert document is not None
    return PriorityRight(
        kind=PriorityRightKind(_value(node, "AdmissionRightKind")),
        basis_code=_code(basis),
        basis_name=_text(basis),
        document=document,
    )


def _sibling(node: etree._Element) -> Sibling:
    school = _required(node, "EduOrganization")
    return Sibling(
        name=PersonName(
            surname=_text(_required(node, "ChildSurname")),
            name=_text(_required(node, "ChildName")),
            middle_name=_optional_text(node, "ChildMiddleName"),
        ),
        birth_date=_date(_required(node, "ChildBirthDate")),
        school_code=_code(school),
        school_name=_text(school),
    )


def _adapted_programme(node: etree._Element) -> AdaptedProgramme:
    consent = _optional(node, "AgreementOnAdaptedProgram")
    return AdaptedProgramme(
        needed=_boolean(_required(node, "NeedAdaptedProgram")),
        consent=_boolean(consent) if consent is not None else None,
        pmpk_conclusion=_document_reference(_optional(node, "PmpkConclusion")),
        special_conditions_needed=_boolean(_required(node, "NeedSpecialConditions")),
    )


def _foreign_citizen_info(node: etree._Element | None) -> ForeignCitizenInfo | None:
    if node is None:
        return None
    legal_stay = _document(_required(node, "LegalStayDoc"))
    assert legal_stay is not None
    consent = _optional(node, "RussianTestAgreement")
    return ForeignCitizenInfo(
        legal_stay_document=legal_stay,
        russian_test_result=_document_reference(_optional(node, "RussianTestResult")),
        russian_test_consent=_boolean(consent) if consent is not None else None,
    )


def _agreements(node: etree._Element) -> Agreements:
    return Agreements(
        personal_data_processing=_boolean(_required(node, "PersonalDataAgreement")),
        charter_acknowledged=_boolean(_required(node, "CharterAcknowledgement")),
    )


def _document(node: etree._Element | None) -> Document | None:
    if node is None:
        return None
    expiry = _optional(node, "DocExpirationDate")
    return Document(
        name=_text(_required(node, "DocName")),
        series=_optional_text(node, "DocSeries"),
        number=_text(_required(node, "DocNumber")),
        issue_date=_date(_required(node, "DocIssueDate")),
        expiry_date=_date(expiry) if expiry is not None else None,
        issued_by=_text(_required(node, "DocIssued")),
    )


def _document_reference(node: etree._Element | None) -> DocumentReference | None:
    if node is None:
        return None
    return DocumentReference(
        number=_text(_required(node, "DocNumber")),
        issue_date=_date(_required(node, "DocDate")),
    )


def _language(node: etree._Element) -> Language:
    return Language(code=_code(node), name=_text(node))


def _optional_language(node: etree._Element | None) -> Language | None:
    return _language(node) if node is not None else None


def _order_id(operation: etree._Element) -> int:
    return int(_value(operation, "orderId"))


def _required(parent: etree._Element, name: str) -> etree._Element:
    node = parent.find(f"{_NS}{name}")
    if node is None:
        # The schema has been applied, so this is a defect of this reader, not of the data.
        raise LookupError(f"{name} missing under {local_name(parent)} after validation")
    return node


def _optional(parent: etree._Element, name: str) -> etree._Element | None:
    return parent.find(f"{_NS}{name}")


def _text(node: etree._Element) -> str:
    """Text exactly as sent: names and documents are kept as the parent typed them."""
    return node.text or ""


def _optional_text(parent: etree._Element, name: str) -> str | None:
    node = _optional(parent, name)
    if node is None or not (node.text or "").strip():
        return None
    return str(node.text)


def _value(parent: etree._Element, name: str) -> str:
    """A technical value (code, number, enumeration), without the surrounding spaces."""
    return _text(_required(parent, name)).strip()


def _code(node: etree._Element) -> str:
    return str(node.get("code", "")).strip()


def _boolean(node: etree._Element) -> bool:
    return _text(node).strip() in ("true", "1")


def _date(node: etree._Element) -> date:
    match = _DATE.match(_text(node).strip())
    try:
        if match is None:
            raise ValueError
        return date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        raise UnreadableValue(node, "не является датой в формате ГГГГ-ММ-ДД") from None


def _date_time(node: etree._Element) -> datetime:
    match = _DATE_TIME.match(_text(node).strip())
    problem = "не является датой и временем в формате ГГГГ-ММ-ДДTчч:мм:сс±чч:мм"
    if match is None:
        raise UnreadableValue(node, problem)

    zone = match["zone"]
    offset = timedelta(0)
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        offset = sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    # Python keeps microseconds; digits beyond the sixth are dropped, not rounded, so the
    # order of two filings never flips. xs:dateTime allows 24:00:00 for the next midnight.
    fraction = (match["fraction"] or "").ljust(6, "0")[:6]
    hour, extra_day = int(match["hour"]), timedelta(0)
    if hour == 24:
        hour, extra_day = 0, timedelta(days=1)
    try:
        moment = datetime.fromisoformat(match["date"]).replace(
            hour=hour,
            minute=int(match["minute"]),
            second=int(match["second"]),
            microsecond=int(fraction),
            tzinfo=timezone(offset),
        )
        return moment + extra_day
    except (ValueError, OverflowError):
        raise UnreadableValue(node, problem) from None
