"""Contracts are pluggable by namespace; a status table is checked when it is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from domain.enrollment.application import StatusQuery
from gateways.epgu import (
    FIRST_GRADE_1_0_0,
    ContractId,
    ContractRegistry,
    IntakeContext,
    InvalidPayload,
    ParsedApplication,
    ParsedStatusQuery,
    StatusTable,
    UnknownContract,
    build_change_order_info,
    parse,
    precheck,
)
from gateways.epgu.contracts import ConcentratorContract, Interpreted
from gateways.epgu.statuses import StatusTableError

from .support import Context, example_bytes

OTHER_NAMESPACE = "urn://x-artefacts-tsos/test/concentrator/other/0.1"

# A minimal form of the same family, standing in for the kindergarten form to come.
OTHER_XSD = f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="{OTHER_NAMESPACE}"
           targetNamespace="{OTHER_NAMESPACE}" elementFormDefault="qualified">
  <xs:element name="FormData">
    <xs:complexType>
      <xs:choice>
        <xs:element name="GetApplicationStatusRequest">
          <xs:complexType><xs:sequence>
            <xs:element name="orderId" type="xs:long"/>
          </xs:sequence></xs:complexType>
        </xs:element>
      </xs:choice>
      <xs:attribute name="oktmo" type="xs:string" use="required"/>
    </xs:complexType>
  </xs:element>
  <xs:element name="FormDataResponse">
    <xs:complexType><xs:choice>
      <xs:element name="changeOrderInfo">
        <xs:complexType><xs:sequence>
          <xs:element name="orderId"><xs:complexType><xs:sequence>
            <xs:element name="pguId" type="xs:long"/>
          </xs:sequence></xs:complexType></xs:element>
          <xs:element name="statusCode"><xs:complexType><xs:choice>
            <xs:element name="orgCode" type="xs:int"/>
            <xs:element name="techCode" type="xs:int"/>
          </xs:choice></xs:complexType></xs:element>
          <xs:element name="comment" type="xs:string"/>
          <xs:element name="cancelAllowed" type="xs:boolean"/>
        </xs:sequence></xs:complexType>
      </xs:element>
      <xs:element name="cancelResponse" type="xs:string"/>
    </xs:choice></xs:complexType>
  </xs:element>
</xs:schema>
"""
OTHER_STATUSES = (
    "code_kind,code,state,text_ru,cancel_allowed,terminal\n"
    'orgCode,130,registered,"Заявление {order_id} принято.",true,false\n'
)
COLUMNS = "code_kind,code,state,text_ru,cancel_allowed,terminal\n"


def other_interpret(
    form_data: etree._Element, context: IntakeContext, contract: ContractId
) -> Interpreted:
    order = form_data.findtext(
        f"{{{OTHER_NAMESPACE}}}GetApplicationStatusRequest/{{{OTHER_NAMESPACE}}}orderId"
    )
    return ParsedStatusQuery(contract, StatusQuery(int(order or "0")))


@pytest.fixture
def other_contract(tmp_path: Path) -> ConcentratorContract:
    (tmp_path / "other.xsd").write_text(OTHER_XSD, encoding="utf-8")
    (tmp_path / "statuses.csv").write_text(OTHER_STATUSES, encoding="utf-8")
    return ConcentratorContract(
        contract_id=ContractId("other", "0.1", OTHER_NAMESPACE),
        files=tmp_path,
        xsd_file="other.xsd",
        statuses_file="statuses.csv",
        field_names={"FormData": "Запрос"},
        type_problems={},
        interpret=other_interpret,
        prefix="ot",
    )


class TestRegistry:
    def test_a_second_contract_is_read_by_its_namespace(
        self, other_contract: ConcentratorContract, context: Context
    ) -> None:
        registry = ContractRegistry([FIRST_GRADE_1_0_0, other_contract])
        payload = (
            f'<ot:FormData xmlns:ot="{OTHER_NAMESPACE}" oktmo="67000000">'
            "<ot:GetApplicationStatusRequest><ot:orderId>77</ot:orderId>"
            "</ot:GetApplicationStatusRequest></ot:FormData>"
        ).encode()

        assert precheck(payload, registry) is None
        assert parse(payload, context, registry) == ParsedStatusQuery(
            other_contract.id, StatusQuery(77)
        )
        first_grade = parse(example_bytes("01-resident.xml"), context, registry)
        assert isinstance(first_grade, ParsedApplication)

    def test_an_answer_is_written_in_the_contract_the_application_came_with(
        self, other_contract: ConcentratorContract
    ) -> None:
        payload = build_change_order_info(77, "registered", {}, contract=other_contract)

        root = etree.fromstring(payload)
        assert root.tag == f"{{{OTHER_NAMESPACE}}}FormDataResponse"
        assert root.findtext(".//{*}orgCode") == "130"
        assert root.findtext(".//{*}comment") == "Заявление 77 принято."

    def test_schema_errors_of_the_second_contract_use_its_field_names(
        self, other_contract: ConcentratorContract, context: Context
    ) -> None:
        registry = ContractRegistry([other_contract])
        payload = f'<ot:FormData xmlns:ot="{OTHER_NAMESPACE}" oktmo="1"/>'.encode()

        result = parse(payload, context, registry)

        assert isinstance(result, InvalidPayload)
        assert result.field == "Запрос"
        assert result.order_id is None

    def test_a_namespace_is_registered_once(self) -> None:
        registry = ContractRegistry([FIRST_GRADE_1_0_0])

        with pytest.raises(ValueError, match="already registered"):
            registry.register(FIRST_GRADE_1_0_0)

    def test_unknown_namespace_is_an_error_when_required(self) -> None:
        registry = ContractRegistry([FIRST_GRADE_1_0_0])

        assert registry.require(FIRST_GRADE_1_0_0.id.namespace) is FIRST_GRADE_1_0_0
        assert registry.get("urn:nothing") is None
        with pytest.raises(UnknownContract):
            registry.require("urn:nothing")


class TestStatusTableLoading:
    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("code,state\n1,registered\n", "columns"),
            (
                COLUMNS + "techCode,1,a,x,true,false\ntechCode,3,a,y,false,true\n",
                "twice",
            ),
            (
                COLUMNS + "techCode,1,a,x,true,false\ntechCode,1,b,y,false,true\n",
                "twice",
            ),
            (COLUMNS + "techCode,1,a,x,yes,false\n", "true or false"),
            (COLUMNS + "statusCode,1,a,x,true,false\n", "line 2"),
            (COLUMNS + "orgCode,x,a,x,true,false\n", "line 2"),
            (COLUMNS + "orgCode,311,a,Текст {unclosed,true,false\n", "line 2"),
            (COLUMNS + "orgCode,311,a,,true,false\n", "empty"),
        ],
        ids=[
            "columns",
            "state-twice",
            "code-twice",
            "boolean",
            "code-kind",
            "code",
            "template",
            "empty-text",
        ],
    )
    def test_malformed_table_is_refused_at_load(self, text: str, message: str) -> None:
        with pytest.raises(StatusTableError, match=message):
            StatusTable.from_csv(text)

    def test_placeholders_in_order_of_appearance(self) -> None:
        row = FIRST_GRADE_1_0_0.statuses.by_state("rejected_campaign_not_open")

        assert row.placeholders == (
            "campaign_year",
            "when",
            "wave1_start",
            "wave1_end",
            "wave2_start",
            "wave2_end",
        )
