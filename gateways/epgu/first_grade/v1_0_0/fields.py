"""Every element and attribute of first-grade 1.0.0, named in words a parent understands.

Used to say which field of a rejected application is wrong (status 332). The coverage
test walks the XSD and fails if a path is missing here or a name here matches no path.
"""

from __future__ import annotations

_REQUEST = "FormData/ApplicationRequest"
_PERSON = f"{_REQUEST}/PersonInfo"
_IDENTITY = f"{_REQUEST}/PersonIdentityDocInfo"
_CHILD = f"{_REQUEST}/ChildInfo"
_BIRTH_RF = f"{_CHILD}/ChildBirthDocRF"
_BIRTH_FOREIGN = f"{_CHILD}/ChildBirthDocForeign"
_RIGHT = f"{_REQUEST}/AdmissionRight"
_SIBLING = f"{_REQUEST}/BrotherSisterInfo"
_ADAPTED = f"{_REQUEST}/AdaptationProgram"
_FOREIGN = f"{_REQUEST}/ForeignCitizenInfo"
_CHANGE = "FormDataResponse/changeOrderInfo"
_CANCEL_RESPONSE = "FormDataResponse/cancelResponse"


def _document(path: str, nominative: str, genitive: str) -> dict[str, str]:
    """Names of a DocumentType block, from the document's name in two cases."""
    return {
        path: nominative,
        f"{path}/DocName": f"Наименование {genitive}",
        f"{path}/DocSeries": f"Серия {genitive}",
        f"{path}/DocNumber": f"Номер {genitive}",
        f"{path}/DocIssueDate": f"Дата выдачи {genitive}",
        f"{path}/DocExpirationDate": f"Срок действия {genitive}",
        f"{path}/DocIssued": f"Кем выдан {nominative[0].lower()}{nominative[1:]}",
    }


def _document_reference(path: str, nominative: str, genitive: str) -> dict[str, str]:
    return {
        path: nominative,
        f"{path}/DocNumber": f"Номер {genitive}",
        f"{path}/DocDate": f"Дата {genitive}",
    }


def _address(path: str, which: str) -> dict[str, str]:
    """Names of an AddressType block; `which` is «регистрации» or «проживания»."""
    parts = {
        "FullAddress": "Адрес {which}",
        "Index": "Почтовый индекс в адресе {which}",
        "Region": "Субъект РФ в адресе {which}",
        "Area": "Район в адресе {which}",
        "City": "Город в адресе {which}",
        "CityArea": "Внутригородская территория в адресе {which}",
        "Place": "Населённый пункт в адресе {which}",
        "Street": "Улица в адресе {which}",
        "AdditionalArea": "Дополнительная территория в адресе {which}",
        "AdditionalStreet": "Улица на дополнительной территории в адресе {which}",
        "House": "Дом в адресе {which}",
        "Building1": "Корпус в адресе {which}",
        "Building2": "Строение в адресе {which}",
        "Apartment": "Квартира в адресе {which}",
        "HouseGuid": "Идентификатор дома в ГАР в адресе {which}",
    }
    names = {path: f"Адрес {which}"}
    for element, template in parts.items():
        names[f"{path}/{element}"] = template.format(which=which)
    return names


def _coded(path: str, name: str, code: str) -> dict[str, str]:
    """Names of a DataElementType: the text and its `code` attribute."""
    return {path: name, f"{path}/@code": code}


FIELD_NAMES: dict[str, str] = {
    "FormData": "Запрос портала",
    "FormData/@oktmo": "Код ОКТМО",
    _REQUEST: "Заявление",
    f"{_REQUEST}/orderId": "Номер заявления на портале",
    **_coded(f"{_REQUEST}/ServicesType", "Вид услуги", "Код вида услуги"),
    f"{_REQUEST}/FilingDate": "Дата подачи заявления",
    _PERSON: "Сведения о заявителе",
    f"{_PERSON}/PersonSurname": "Фамилия заявителя",
    f"{_PERSON}/PersonName": "Имя заявителя",
    f"{_PERSON}/PersonMiddleName": "Отчество заявителя",
    f"{_PERSON}/PersonPhone": "Телефон заявителя",
    f"{_PERSON}/PersonEmail": "Адрес электронной почты заявителя",
    f"{_PERSON}/RepresentativeKind": "Кем заявитель приходится ребёнку",
    **_document(
        f"{_PERSON}/RepresentativeDoc",
        "Документ, подтверждающий полномочия представителя",
        "документа, подтверждающего полномочия представителя",
    ),
    _IDENTITY: "Документ, удостоверяющий личность заявителя",
    **_coded(
        f"{_IDENTITY}/IdentityDocName",
        "Вид документа, удостоверяющего личность заявителя",
        "Код вида документа, удостоверяющего личность заявителя",
    ),
    f"{_IDENTITY}/IdentityDocSeries": "Серия документа, удостоверяющего личность заявителя",
    f"{_IDENTITY}/IdentityDocNumber": "Номер документа, удостоверяющего личность заявителя",
    f"{_IDENTITY}/IdentityDocIssueDate": (
        "Дата выдачи документа, удостоверяющего личность заявителя"
    ),
    f"{_IDENTITY}/IdentityDocIssueCode": (
        "Код подразделения, выдавшего документ, удостоверяющий личность заявителя"
    ),
    f"{_IDENTITY}/IdentityDocIssued": (
        "Кем выдан документ, удостоверяющий личность заявителя"
    ),
    _CHILD: "Сведения о ребёнке",
    f"{_CHILD}/ChildSurname": "Фамилия ребёнка",
    f"{_CHILD}/ChildName": "Имя ребёнка",
    f"{_CHILD}/ChildMiddleName": "Отчество ребёнка",
    f"{_CHILD}/ChildBirthDate": "Дата рождения ребёнка",
    f"{_CHILD}/ChildGender": "Пол ребёнка",
    f"{_CHILD}/ChildSnils": "СНИЛС ребёнка",
    _BIRTH_RF: "Свидетельство о рождении ребёнка, выданное в Российской Федерации",
    f"{_BIRTH_RF}/ChildBirthDocSeries": "Серия свидетельства о рождении",
    f"{_BIRTH_RF}/ChildBirthDocNumber": "Номер свидетельства о рождении",
    f"{_BIRTH_RF}/ChildBirthDocIssueDate": "Дата выдачи свидетельства о рождении",
    f"{_BIRTH_RF}/ChildBirthDocActNumber": "Номер записи акта о рождении",
    f"{_BIRTH_RF}/ChildBirthDocActDate": "Дата записи акта о рождении",
    f"{_BIRTH_RF}/ChildBirthDocIssued": "Орган ЗАГС, выдавший свидетельство о рождении",
    _BIRTH_FOREIGN: "Документ о рождении ребёнка, выданный иностранным государством",
    f"{_BIRTH_FOREIGN}/ChildBirthDocName": "Наименование документа о рождении",
    f"{_BIRTH_FOREIGN}/ChildBirthDocSeries": "Серия документа о рождении",
    f"{_BIRTH_FOREIGN}/ChildBirthDocNumber": "Номер документа о рождении",
    f"{_BIRTH_FOREIGN}/ChildBirthDocIssueDate": "Дата выдачи документа о рождении",
    f"{_BIRTH_FOREIGN}/ChildBirthDocIssued": "Кем выдан документ о рождении",
    f"{_CHILD}/Citizenship": "Гражданство ребёнка",
    f"{_CHILD}/Stateless": "Отметка «лицо без гражданства»",
    **_address(f"{_REQUEST}/RegistrationAddress", "регистрации"),
    **_address(f"{_REQUEST}/ResidenceAddress", "проживания"),
    **_coded(f"{_REQUEST}/EduOrganization", "Выбранная школа", "Код выбранной школы"),
    _RIGHT: "Право на приём во внеочередном, первоочередном или преимущественном порядке",
    f"{_RIGHT}/AdmissionRightKind": "Вид права на приём",
    **_coded(
        f"{_RIGHT}/AdmissionRightBasis",
        "Основание права на приём",
        "Код основания права на приём",
    ),
    **_document(
        f"{_RIGHT}/AdmissionRightDoc",
        "Документ, подтверждающий право приёма",
        "документа, подтверждающего право приёма",
    ),
    _SIBLING: "Сведения о брате или сестре",
    f"{_SIBLING}/ChildSurname": "Фамилия брата или сестры",
    f"{_SIBLING}/ChildName": "Имя брата или сестры",
    f"{_SIBLING}/ChildMiddleName": "Отчество брата или сестры",
    f"{_SIBLING}/ChildBirthDate": "Дата рождения брата или сестры",
    **_coded(
        f"{_SIBLING}/EduOrganization",
        "Школа, в которой обучается брат или сестра",
        "Код школы, в которой обучается брат или сестра",
    ),
    _ADAPTED: "Сведения об адаптированной программе",
    f"{_ADAPTED}/NeedAdaptedProgram": "Потребность в адаптированной программе",
    f"{_ADAPTED}/AgreementOnAdaptedProgram": (
        "Согласие на обучение по адаптированной программе"
    ),
    **_document_reference(
        f"{_ADAPTED}/PmpkConclusion", "Заключение ПМПК", "заключения ПМПК"
    ),
    f"{_ADAPTED}/NeedSpecialConditions": "Потребность в специальных условиях обучения",
    **_coded(
        f"{_REQUEST}/EducationLanguage", "Язык образования", "Код языка образования"
    ),
    **_coded(f"{_REQUEST}/NativeLanguage", "Родной язык", "Код родного языка"),
    **_coded(
        f"{_REQUEST}/RepublicStateLanguage",
        "Государственный язык республики",
        "Код государственного языка республики",
    ),
    _FOREIGN: "Сведения о ребёнке — иностранном гражданине или лице без гражданства",
    **_document(
        f"{_FOREIGN}/LegalStayDoc",
        "Документ о законном нахождении в Российской Федерации",
        "документа о законном нахождении в Российской Федерации",
    ),
    **_document_reference(
        f"{_FOREIGN}/RussianTestResult",
        "Результат тестирования по русскому языку",
        "документа о результате тестирования по русскому языку",
    ),
    f"{_FOREIGN}/RussianTestAgreement": "Согласие на тестирование по русскому языку",
    f"{_REQUEST}/Agreements": "Согласия заявителя",
    f"{_REQUEST}/Agreements/PersonalDataAgreement": (
        "Согласие на обработку персональных данных"
    ),
    f"{_REQUEST}/Agreements/CharterAcknowledgement": (
        "Ознакомление с уставом, лицензией и аккредитацией школы"
    ),
    "FormData/cancelRequest": "Запрос отмены заявления",
    "FormData/cancelRequest/orderId": "Номер заявления на портале",
    "FormData/cancelRequest/reason": "Причина отмены",
    "FormData/GetApplicationStatusRequest": "Запрос статуса заявления",
    "FormData/GetApplicationStatusRequest/orderId": "Номер заявления на портале",
    # Our own answers: a failure here is our defect, named for the alert, never sent.
    "FormDataResponse": "Ответ региональной системы",
    _CHANGE: "Сведения о статусе заявления",
    f"{_CHANGE}/orderId": "Идентификатор заявления",
    f"{_CHANGE}/orderId/pguId": "Номер заявления на портале",
    f"{_CHANGE}/statusCode": "Код статуса",
    f"{_CHANGE}/statusCode/orgCode": "Код статуса услуги",
    f"{_CHANGE}/statusCode/techCode": "Технический код статуса",
    f"{_CHANGE}/comment": "Комментарий к статусу",
    f"{_CHANGE}/cancelAllowed": "Признак возможности отмены",
    _CANCEL_RESPONSE: "Ответ на запрос отмены",
    f"{_CANCEL_RESPONSE}/orderId": "Номер заявления на портале",
    f"{_CANCEL_RESPONSE}/result": "Результат отмены",
    f"{_CANCEL_RESPONSE}/comment": "Комментарий к результату отмены",
}

# What a value of each simple type must look like, said when a pattern, an enumeration or
# the type itself refuses the value. Lengths, emptiness and numeric ranges are said from
# the facet, whatever the type.
TYPE_PROBLEMS: dict[str, str] = {
    "SnilsType": "не соответствует формату: 11 цифр без разделителей",
    "DateTimeWithOffsetType": (
        "не соответствует формату ГГГГ-ММ-ДДTчч:мм:сс со смещением от UTC "
        "(например, 2026-04-01T09:00:00+03:00)"
    ),
    "NameType": (
        "может содержать только буквы, пробел, дефис, апостроф и точку "
        "и должно начинаться с буквы"
    ),
    "OktmoType": "не соответствует формату: 8 или 11 цифр",
    "OrderIdType": "должен быть целым положительным числом",
    "PhoneType": (
        "не соответствует формату: знак + и от 8 до 15 цифр без пробелов, "
        "например +79780000000"
    ),
    "EmailType": "не является адресом электронной почты",
    "OksmCodeType": "не соответствует формату: трёхзначный цифровой код страны по ОКСМ",
    "PostalIndexType": "не соответствует формату: 6 цифр",
    "GuidType": "не является идентификатором дома в ГАР (GUID)",
    "BirthCertSeriesType": (
        "не соответствует формату: римские цифры латинскими буквами, дефис и две русские "
        "прописные буквы, например II-АП"
    ),
    "BirthCertNumberType": "не соответствует формату: 6 цифр",
    "ActNumberType": "не соответствует формату: от 1 до 25 цифр",
    "GenderType": "допустимые значения: male (мужской), female (женский)",
    "RepresentativeKindType": "допустимые значения: mother, father, guardian, other",
    "AdmissionRightKindType": (
        "допустимые значения: extraordinary, first_priority, sibling"
    ),
    "TrueOnlyType": "допускается только значение true",
    "CancelResultType": "допустимые значения: CANCELLED, REJECTED",
    "OrgCodeType": "должен быть числом от 310 до 399",
    "TechCodeType": "должен быть числом от 0 до 99",
}
