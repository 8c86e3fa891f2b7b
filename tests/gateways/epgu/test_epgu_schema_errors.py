"""Schema errors said in words: the field table covers the XSD, and each kind of error."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

import pytest
from lxml import etree

from gateways.epgu import InvalidPayload, Operation, parse
from gateways.epgu.first_grade.v1_0_0 import CONTRACT as FIRST_GRADE_CONTRACT
from gateways.epgu.first_grade.v1_0_0.fields import FIELD_NAMES, TYPE_PROBLEMS
from gateways.epgu.schema_model import XS

from .support import NS, Context, edited_example, example_bytes, find, remove, set_text

Edit = Callable[[etree._Element], None]
REQUEST = "fg:ApplicationRequest"
CHILD = f"{REQUEST}/fg:ChildInfo"
FG = f"{{{NS['fg']}}}"


def invalid(payload: bytes, context: Context) -> InvalidPayload:
    result = parse(payload, context)
    assert isinstance(result, InvalidPayload), result
    return result


def said(name: str, edit: Edit, context: Context) -> tuple[str, str]:
    result = invalid(edited_example(name, edit), context)
    return result.field, result.problem


def add_after(path: str, xml: str) -> Edit:
    def edit(root: etree._Element) -> None:
        node = find(root, path)
        node.addnext(etree.fromstring(f'<fg:x xmlns:fg="{NS["fg"]}">{xml}</fg:x>')[0])

    return edit


def set_attribute(path: str, name: str, value: str | None) -> Edit:
    def edit(root: etree._Element) -> None:
        node = root if path == "." else find(root, path)
        if value is None:
            del node.attrib[name]
        else:
            node.set(name, value)

    return edit


class TestFieldTable:
    def test_every_element_and_attribute_of_the_schema_is_named(self) -> None:
        paths = {node.path for node in FIRST_GRADE_CONTRACT.schema_model}

        assert sorted(paths - FIELD_NAMES.keys()) == []

    def test_no_name_is_left_for_a_path_the_schema_lacks(self) -> None:
        paths = {node.path for node in FIRST_GRADE_CONTRACT.schema_model}

        assert sorted(FIELD_NAMES.keys() - paths) == []

    def test_every_pattern_or_enumeration_type_says_what_it_wants(self) -> None:
        files = resources.files("gateways.epgu.first_grade.v1_0_0")
        xsd = etree.fromstring(files.joinpath("first-grade.xsd").read_bytes())
        constrained = {
            simple.get("name")
            for simple in xsd.iter(f"{{{XS}}}simpleType")
            if simple.find(f".//{{{XS}}}pattern") is not None
            or simple.find(f".//{{{XS}}}enumeration") is not None
        }
        # Non-empty strings say «не заполнено» whatever the length: no text needed.
        wanted = {name for name in constrained if not str(name).startswith("stringNN-")}

        assert sorted(wanted - TYPE_PROBLEMS.keys()) == []

    def test_field_names_are_words_not_element_names(self) -> None:
        for name in FIELD_NAMES.values():
            assert name[0].isupper()
            assert not any(char.isascii() and char.isalpha() for char in name), name


class TestValueErrors:
    @pytest.mark.parametrize(
        ("edit", "field", "problem"),
        [
            (
                set_attribute(".", "oktmo", None),
                "Код ОКТМО",
                "не указано",
            ),
            (
                set_attribute(".", "oktmo", "6700"),
                "Код ОКТМО",
                "не соответствует формату: 8 или 11 цифр",
            ),
            (
                set_text(f"{CHILD}/fg:ChildGender", "boy"),
                "Пол ребёнка",
                "допустимые значения: male (мужской), female (женский)",
            ),
            (
                set_text(f"{REQUEST}/fg:RegistrationAddress/fg:Street", "у" * 51),
                "Улица в адресе регистрации",
                "длиннее 50 символов",
            ),
            (
                set_text(f"{REQUEST}/fg:ResidenceAddress/fg:FullAddress", "   "),
                "Адрес проживания",
                "не заполнено",
            ),
            (
                set_attribute(f"{REQUEST}/fg:EduOrganization", "code", ""),
                "Код выбранной школы",
                "не заполнено",
            ),
            (
                set_text(f"{CHILD}/fg:ChildBirthDate", "2019-13-14"),
                "Дата рождения ребёнка",
                "не является датой в формате ГГГГ-ММ-ДД",
            ),
            (
                set_text(f"{CHILD}/fg:ChildBirthDate", ""),
                "Дата рождения ребёнка",
                "не заполнено",
            ),
            (
                set_text(
                    f"{REQUEST}/fg:AdaptationProgram/fg:NeedAdaptedProgram", "yes"
                ),
                "Потребность в адаптированной программе",
                "допустимые значения: true, false",
            ),
            (
                set_text(f"{REQUEST}/fg:Agreements/fg:PersonalDataAgreement", "false"),
                "Согласие на обработку персональных данных",
                "допускается только значение true",
            ),
            (
                set_text(f"{REQUEST}/fg:PersonInfo/fg:PersonSurname", "Примерова2"),
                "Фамилия заявителя",
                "может содержать только буквы, пробел, дефис, апостроф и точку "
                "и должно начинаться с буквы",
            ),
            (
                set_text(f"{REQUEST}/fg:PersonInfo/fg:PersonPhone", "8 978 000 11 22"),
                "Телефон заявителя",
                "не соответствует формату: знак + и от 8 до 15 цифр без пробелов, "
                "например +79780000000",
            ),
            (
                set_text(f"{CHILD}/fg:ChildBirthDocRF/fg:ChildBirthDocSeries", "II КМ"),
                "Серия свидетельства о рождении",
                "не соответствует формату: римские цифры латинскими буквами, дефис и "
                "две русские прописные буквы, например II-АП",
            ),
            (
                set_text(f"{REQUEST}/fg:FilingDate", "2026-04-01 00:00:05+03:00"),
                "Дата подачи заявления",
                "не соответствует формату ГГГГ-ММ-ДДTчч:мм:сс со смещением от UTC "
                "(например, 2026-04-01T09:00:00+03:00)",
            ),
            (
                set_attribute(f"{CHILD}/fg:ChildGender", "kind", "1"),
                "Пол ребёнка",
                "содержит недопустимый атрибут",
            ),
        ],
        ids=[
            "oktmo-missing",
            "oktmo-format",
            "enumeration",
            "max-length",
            "blank",
            "blank-attribute",
            "bad-date",
            "empty-date",
            "boolean",
            "true-only",
            "name",
            "phone",
            "birth-series",
            "date-time-format",
            "extra-attribute",
        ],
    )
    def test_value_error_is_said_in_words(
        self, edit: Edit, field: str, problem: str, context: Context
    ) -> None:
        assert said("01-resident.xml", edit, context) == (field, problem)


class TestStructureErrors:
    def test_missing_required_block_among_optional_ones(self, context: Context) -> None:
        edit = remove(f"{REQUEST}/fg:AdaptationProgram")

        assert said("01-resident.xml", edit, context) == (
            "Сведения об адаптированной программе",
            "не указано",
        )

    def test_last_block_missing(self, context: Context) -> None:
        assert said("01-resident.xml", remove(f"{REQUEST}/fg:Agreements"), context) == (
            "Согласия заявителя",
            "не указано",
        )

    def test_missing_choice_names_both_alternatives(self, context: Context) -> None:
        field, problem = said(
            "01-resident.xml", remove(f"{CHILD}/fg:ChildBirthDocRF"), context
        )

        assert field == (
            "Свидетельство о рождении ребёнка, выданное в Российской Федерации или "
            "документ о рождении ребёнка, выданный иностранным государством"
        )
        assert problem == "не указано"

    def test_repeated_element(self, context: Context) -> None:
        edit = add_after(
            f"{CHILD}/fg:ChildSnils", "<fg:ChildSnils>16427530969</fg:ChildSnils>"
        )

        assert said("01-resident.xml", edit, context) == (
            "СНИЛС ребёнка",
            "указано больше раз, чем допускается",
        )

    def test_both_alternatives_of_a_choice(self, context: Context) -> None:
        foreign = (
            "<fg:ChildBirthDocForeign><fg:ChildBirthDocName>Свидетельство</fg:ChildBirthDocName>"
            "<fg:ChildBirthDocNumber>1</fg:ChildBirthDocNumber>"
            "<fg:ChildBirthDocIssueDate>2019-11-22</fg:ChildBirthDocIssueDate>"
            "<fg:ChildBirthDocIssued>ЗАГС</fg:ChildBirthDocIssued></fg:ChildBirthDocForeign>"
        )
        edit = add_after(f"{CHILD}/fg:ChildBirthDocRF", foreign)

        field, problem = said("01-resident.xml", edit, context)

        assert field == "Документ о рождении ребёнка, выданный иностранным государством"
        assert problem == (
            "указано вместе со сведением «Свидетельство о рождении ребёнка, выданное в "
            "Российской Федерации», а допускается одно из них"
        )

    def test_unknown_element(self, context: Context) -> None:
        edit = add_after(f"{CHILD}/fg:ChildName", "<fg:Nickname>Ваня</fg:Nickname>")

        assert said("01-resident.xml", edit, context) == (
            "Сведения о ребёнке",
            "содержит неизвестный элемент Nickname",
        )

    def test_element_of_another_namespace_is_unknown(self, context: Context) -> None:
        def foreign(root: etree._Element) -> None:
            node = etree.Element("{urn:x-other}ChildSnils")
            node.text = "16427530969"
            find(root, f"{CHILD}/fg:ChildGender").addnext(node)

        assert said("03-first-priority-right.xml", foreign, context) == (
            "Сведения о ребёнке",
            "содержит неизвестный элемент ChildSnils",
        )

    def test_elements_out_of_order(self, context: Context) -> None:
        def swap(root: etree._Element) -> None:
            surname = find(root, f"{CHILD}/fg:ChildSurname")
            find(root, f"{CHILD}/fg:ChildName").addnext(surname)

        assert said("01-resident.xml", swap, context) == (
            "Имя ребёнка",
            "указано не на своём месте",
        )

    def test_text_in_a_block(self, context: Context) -> None:
        def text(root: etree._Element) -> None:
            find(root, CHILD).text = "Иван"

        assert said("01-resident.xml", text, context) == (
            "Сведения о ребёнке",
            "содержит недопустимый текст",
        )

    def test_second_sibling_is_numbered(self, context: Context) -> None:
        second = (
            "<fg:BrotherSisterInfo><fg:ChildSurname>Образцова</fg:ChildSurname>"
            "<fg:ChildName>Ольга</fg:ChildName><fg:ChildBirthDate>2018-02-30</fg:ChildBirthDate>"
            '<fg:EduOrganization code="SEV-0802">Гимназия</fg:EduOrganization>'
            "</fg:BrotherSisterInfo>"
        )
        edit = add_after(f"{REQUEST}/fg:BrotherSisterInfo", second)

        assert said("02-sibling-right.xml", edit, context) == (
            "Дата рождения брата или сестры (№ 2)",
            "не является датой в формате ГГГГ-ММ-ДД",
        )


class TestOrderNumber:
    @pytest.mark.parametrize("order_id", ["abc", "0", "-5", "99999999999999999999", ""])
    def test_unreadable_order_number_gives_no_order_id(
        self, order_id: str, context: Context
    ) -> None:
        result = invalid(
            edited_example(
                "01-resident.xml", set_text(f"{REQUEST}/fg:orderId", order_id)
            ),
            context,
        )

        assert result.order_id is None
        assert result.field == "Номер заявления на портале"

    def test_order_number_is_read_when_another_field_fails(
        self, context: Context
    ) -> None:
        edit = set_text(f"{CHILD}/fg:ChildGender", "boy")

        assert (
            invalid(edited_example("01-resident.xml", edit), context).order_id
            == 4200000101
        )

    def test_cancel_request_errors_keep_their_operation(self, context: Context) -> None:
        edit = set_text("fg:cancelRequest/fg:reason", "п" * 1025)

        result = invalid(edited_example("09-cancel-request.xml", edit), context)

        assert result.operation is Operation.CANCEL
        assert result.order_id == 4200000101
        assert (result.field, result.problem) == (
            "Причина отмены",
            "длиннее 1024 символов",
        )

    def test_unknown_operation_has_no_order_id(self, context: Context) -> None:
        payload = (
            f'<fg:FormData xmlns:fg="{NS["fg"]}" oktmo="67000000">'
            "<fg:GetApplicationQueueRequest><fg:orderId>42</fg:orderId>"
            "</fg:GetApplicationQueueRequest></fg:FormData>"
        ).encode()

        result = invalid(payload, context)

        assert result.operation is None
        assert result.field == "Запрос портала"


class TestDefaultNamespace:
    def test_error_in_a_document_without_prefixes_is_named_too(
        self, context: Context
    ) -> None:
        payload = (
            example_bytes("22-invalid-snils-format.xml")
            .replace(b"fg:", b"")
            .replace(b"xmlns:fg=", b"xmlns=")
        )

        result = invalid(payload, context)

        assert (result.field, result.order_id) == ("СНИЛС ребёнка", 4200000122)

    def test_other_prefix_is_followed(self, context: Context) -> None:
        payload = (
            example_bytes("23-invalid-filing-date-without-offset.xml")
            .replace(b"fg:", b"zz:")
            .replace(b"xmlns:fg=", b"xmlns:zz=")
        )

        result = invalid(payload, context)

        assert result.field == "Дата подачи заявления"
        assert result.problem == "дата и время должны содержать смещение от UTC"


def test_payload_details_are_the_validator_s_messages(context: Context) -> None:
    result = invalid(example_bytes("22-invalid-snils-format.xml"), context)

    assert len(result.details) == 1
    assert "ChildSnils" in result.details[0]
    assert FG not in result.field
