"""First-grade payload contract 1.0.0: our own modelled contract, until the operator's."""

from __future__ import annotations

from importlib import resources

from lxml import etree

from domain.enrollment import application as application_rules
from domain.enrollment.application import CancelRequest, StatusQuery
from gateways.epgu.contracts import ConcentratorContract, Interpreted
from gateways.epgu.first_grade.v1_0_0.fields import FIELD_NAMES, TYPE_PROBLEMS
from gateways.epgu.first_grade.v1_0_0.reader import NAMESPACE, read_operation
from gateways.epgu.results import (
    ContractId,
    IntakeContext,
    ParsedApplication,
    ParsedCancel,
    ParsedStatusQuery,
)

CONTRACT_ID = ContractId(service="first-grade", version="1.0.0", namespace=NAMESPACE)


def interpret(
    form_data: etree._Element, context: IntakeContext, contract_id: ContractId
) -> Interpreted:
    """Read a schema-valid FormData and apply the checks the schema cannot express."""
    operation = read_operation(form_data)
    if isinstance(operation, CancelRequest):
        return ParsedCancel(contract_id, operation)
    if isinstance(operation, StatusQuery):
        return ParsedStatusQuery(contract_id, operation)

    defect = application_rules.find_defect(
        operation,
        region_oktmo=context.region_oktmo,
        now=context.now,
        school_admits_first_grade=context.school_admits_first_grade,
    )
    if defect is not None:
        return defect
    return ParsedApplication(contract_id, operation)


CONTRACT = ConcentratorContract(
    contract_id=CONTRACT_ID,
    files=resources.files(__name__),
    xsd_file="first-grade.xsd",
    statuses_file="statuses.csv",
    field_names=FIELD_NAMES,
    type_problems=TYPE_PROBLEMS,
    interpret=interpret,
    prefix="fg",
)
