"""Payload contracts of the portal's services, and the registry keyed by their namespace.

A contract is one version of one service's XML: its XSD, the reader into the domain, the
writer of answers and the status table. Adding the operator's schema, or the kindergarten
and college forms, is one more registered contract; nothing outside it knows its elements.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from importlib.resources.abc import Traversable
from typing import Protocol

from lxml import etree

from domain.enrollment.application import ApplicationDefect
from gateways.epgu.results import (
    CancelResult,
    ContractId,
    IntakeContext,
    InvalidPayload,
    Operation,
    ParsedApplication,
    ParsedCancel,
    ParsedStatusQuery,
    UnreadableValue,
)
from gateways.epgu.schema_errors import SchemaErrorTranslator
from gateways.epgu.schema_model import SchemaModel, read_schema_model
from gateways.epgu.statuses import StatusRow, StatusTable
from gateways.epgu.xml import child_elements, local_name, locked_down_parser
from gateways.schema_compiling import compile_schema

logger = logging.getLogger(__name__)

ContractResult = ParsedApplication | ParsedCancel | ParsedStatusQuery | InvalidPayload
Interpreted = ParsedApplication | ParsedCancel | ParsedStatusQuery | ApplicationDefect
Interpreter = Callable[[etree._Element, IntakeContext, ContractId], Interpreted]

# The concentrator family names its operations the same way in every form.
CONCENTRATOR_OPERATIONS: Mapping[str, Operation] = {
    "ApplicationRequest": Operation.APPLICATION,
    "cancelRequest": Operation.CANCEL,
    "GetApplicationStatusRequest": Operation.STATUS_QUERY,
}

_LONG_MAX = 2**63 - 1
_ORDER_ID = re.compile(r"^\s*\+?(\d{1,19})\s*$")


class OutgoingPayloadInvalid(Exception):
    """An answer we built fails the contract's schema; it must not be sent."""

    def __init__(self, contract: ContractId, errors: tuple[str, ...]) -> None:
        super().__init__(f"{contract.service} {contract.version}: {'; '.join(errors)}")
        self.contract = contract
        self.errors = errors


class UnknownContract(LookupError):
    """No payload contract is registered for a namespace."""


class PayloadContract(Protocol):
    """What the gateway needs of one version of one service's payload."""

    @property
    def id(self) -> ContractId: ...

    @property
    def statuses(self) -> StatusTable: ...

    def schema(self) -> etree.XMLSchema: ...

    def read(
        self, form_data: etree._Element, context: IntakeContext
    ) -> ContractResult: ...

    def change_order_info(
        self, order_id: int, status: StatusRow, comment: str
    ) -> etree._Element: ...

    def cancel_response(
        self, order_id: int, result: CancelResult, comment: str
    ) -> etree._Element: ...

    def validate_outgoing(self, document: etree._Element) -> None: ...


class ConcentratorContract:
    """A contract of the EPGU "concentrator" family: FormData in, FormDataResponse out.

    `files` is the folder (a package's resources) holding the XSD and the status table.
    """

    def __init__(
        self,
        *,
        contract_id: ContractId,
        files: Traversable,
        xsd_file: str,
        statuses_file: str,
        field_names: Mapping[str, str],
        type_problems: Mapping[str, str],
        interpret: Interpreter,
        prefix: str,
        operations: Mapping[str, Operation] = CONCENTRATOR_OPERATIONS,
    ) -> None:
        self._id = contract_id
        self._files = files
        self._xsd_file = xsd_file
        self._statuses_file = statuses_file
        self._field_names = field_names
        self._type_problems = type_problems
        self._interpret = interpret
        self._prefix = prefix
        self._operations = operations
        # lxml keeps a validator's error log on the schema object, so two threads
        # validating with one schema would read each other's errors.
        self._local = threading.local()

    @property
    def id(self) -> ContractId:
        return self._id

    @property
    def field_names(self) -> Mapping[str, str]:
        return self._field_names

    @cached_property
    def statuses(self) -> StatusTable:
        return StatusTable.from_csv(self._resource(self._statuses_file).decode("utf-8"))

    @cached_property
    def schema_model(self) -> SchemaModel:
        return read_schema_model(self._xsd_document())

    @cached_property
    def _translator(self) -> SchemaErrorTranslator:
        return SchemaErrorTranslator(
            self.schema_model, self._field_names, self._type_problems
        )

    def schema(self) -> etree.XMLSchema:
        schema: etree.XMLSchema | None = getattr(self._local, "schema", None)
        if schema is None:
            schema = compile_schema(lambda: etree.XMLSchema(self._xsd_document()))
            self._local.schema = schema
        return schema

    def read(self, form_data: etree._Element, context: IntakeContext) -> ContractResult:
        """Validate a FormData of this contract and read it into the domain."""
        operation = self._operation(form_data)
        schema = self.schema()
        if not schema.validate(form_data):
            errors = list(schema.error_log)
            first = self._translator.translate(errors[0], form_data)
            return self._invalid(
                form_data,
                operation,
                first.field,
                first.problem,
                tuple(error.message for error in errors),
            )

        try:
            interpreted = self._interpret(form_data, context, self._id)
        except UnreadableValue as error:
            field = self._translator.field_name_of(error.element)
            return self._invalid(form_data, operation, field, error.problem)
        if isinstance(interpreted, ApplicationDefect):
            return self._invalid(
                form_data, operation, interpreted.field, interpreted.problem
            )
        return interpreted

    def change_order_info(
        self, order_id: int, status: StatusRow, comment: str
    ) -> etree._Element:
        root = self._element("FormDataResponse")
        change = self._child(root, "changeOrderInfo")
        self._child(self._child(change, "orderId"), "pguId", str(order_id))
        self._child(
            self._child(change, "statusCode"), status.code_kind.value, str(status.code)
        )
        self._child(change, "comment", comment)
        self._child(
            change, "cancelAllowed", "true" if status.cancel_allowed else "false"
        )
        return root

    def cancel_response(
        self, order_id: int, result: CancelResult, comment: str
    ) -> etree._Element:
        root = self._element("FormDataResponse")
        response = self._child(root, "cancelResponse")
        self._child(response, "orderId", str(order_id))
        self._child(response, "result", result.value)
        self._child(response, "comment", comment)
        return root

    def validate_outgoing(self, document: etree._Element) -> None:
        schema = self.schema()
        if not schema.validate(document):
            errors = tuple(error.message for error in schema.error_log)
            logger.error(
                "Outgoing EPGU payload fails its schema: contract=%s %s",
                self._id.service,
                self._id.version,
            )
            raise OutgoingPayloadInvalid(self._id, errors)

    def _invalid(
        self,
        form_data: etree._Element,
        operation: Operation | None,
        field: str,
        problem: str,
        details: tuple[str, ...] = (),
    ) -> InvalidPayload:
        order_id = self._readable_order_id(form_data)
        # The field is named in words and the problem holds no value: no personal data.
        logger.info(
            "EPGU payload is invalid: contract=%s %s operation=%s order_id=%s field=%s",
            self._id.service,
            self._id.version,
            operation,
            order_id,
            field,
        )
        return InvalidPayload(
            contract=self._id,
            operation=operation,
            order_id=order_id,
            field=field,
            problem=problem,
            details=details,
        )

    def _operation(self, form_data: etree._Element) -> Operation | None:
        children = child_elements(form_data)
        if (
            len(children) != 1
            or etree.QName(children[0]).namespace != self._id.namespace
        ):
            return None
        return self._operations.get(local_name(children[0]))

    def _readable_order_id(self, form_data: etree._Element) -> int | None:
        """The order number, if it is there and valid whatever else is wrong."""
        children = child_elements(form_data)
        if not children:
            return None
        order = children[0].find(f"{{{self._id.namespace}}}orderId")
        match = _ORDER_ID.match(order.text or "") if order is not None else None
        if match is None:
            return None
        value = int(match.group(1))
        return value if 1 <= value <= _LONG_MAX else None

    def _xsd_document(self) -> etree._Element:
        return etree.fromstring(
            self._resource(self._xsd_file), parser=locked_down_parser()
        )

    def _resource(self, name: str) -> bytes:
        return self._files.joinpath(name).read_bytes()

    def _element(self, name: str) -> etree._Element:
        namespace = self._id.namespace
        return etree.Element(f"{{{namespace}}}{name}", nsmap={self._prefix: namespace})

    def _child(
        self, parent: etree._Element, name: str, text: str | None = None
    ) -> etree._Element:
        child = etree.SubElement(parent, f"{{{self._id.namespace}}}{name}")
        child.text = text
        return child


class ContractRegistry:
    """Payload contracts keyed by the namespace of their messages."""

    def __init__(self, contracts: Iterable[PayloadContract] = ()) -> None:
        self._by_namespace: dict[str, PayloadContract] = {}
        for contract in contracts:
            self.register(contract)

    def register(self, contract: PayloadContract) -> None:
        namespace = contract.id.namespace
        if namespace in self._by_namespace:
            raise ValueError(f"a contract for {namespace} is already registered")
        self._by_namespace[namespace] = contract

    def get(self, namespace: str | None) -> PayloadContract | None:
        return self._by_namespace.get(namespace or "")

    def require(self, namespace: str) -> PayloadContract:
        contract = self.get(namespace)
        if contract is None:
            raise UnknownContract(namespace)
        return contract

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(self._by_namespace)

    def __contains__(self, namespace: object) -> bool:
        return namespace in self._by_namespace
