"""Turn an lxml schema-validation error into the field in words and the problem in words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from gateways.epgu.placeholders import plural_ru
from gateways.epgu.schema_model import SchemaModel
from gateways.epgu.xml import child_elements, local_name

_HEAD = re.compile(
    r"^Element '(?P<element>[^']*)'(?:, attribute '(?P<attribute>[^']*)')?: "
)
_EXPECTED = re.compile(r"Expected is (?:one of )?\( (?P<names>[^)]*) \)")
_FACET = re.compile(r"^\[facet '(?P<facet>\w+)'\] ")
_VALUE = re.compile(r"(?:^|The value )'(?P<value>.*?)' (?:is|has)", re.DOTALL)
_NUMBERS = re.compile(r"'(-?\d+)'")
_PATH_STEP = re.compile(r"^(?P<name>[^\[]+)(?:\[(?P<index>\d+)\])?$")
_NO_OFFSET = re.compile(r"^\s*\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\s*$")

MISSING = "не указано"

# The built-in types say what is wrong with a value when no contract type does.
_BUILTIN_PROBLEMS = {
    "xs:date": "не является датой в формате ГГГГ-ММ-ДД",
    "xs:dateTime": "не является датой и временем в формате ГГГГ-ММ-ДДTчч:мм:сс±чч:мм",
    "xs:boolean": "допустимые значения: true, false",
    "xs:long": "не является целым числом",
    "xs:int": "не является целым числом",
    "xs:integer": "не является целым числом",
    "xs:string": "не соответствует формату",
}


@dataclass(frozen=True)
class FieldError:
    """The first schema error of a message, said for a parent."""

    field: str
    problem: str
    path: str
    """The schema path (local names), for our logs and tests; never shown."""


class SchemaErrorTranslator:
    """Names the failing field of a document from an lxml error, using a field table."""

    def __init__(
        self,
        model: SchemaModel,
        field_names: Mapping[str, str],
        type_problems: Mapping[str, str],
    ) -> None:
        self._model = model
        self._field_names = field_names
        self._type_problems = {**_BUILTIN_PROBLEMS, **type_problems}

    def translate(self, error: etree._LogEntry, document: etree._Element) -> FieldError:
        element = _element_at(document, error.path)
        message = error.message or ""
        head = _HEAD.match(message)
        rest = message[head.end() :] if head else message

        if element is None:
            return self._field_error(_schema_path(document), "не соответствует формату")
        path = _schema_path(element)
        suffix = _repetition_suffix(element)

        if head and head.group("attribute"):
            attribute_path = f"{path}/@{head.group('attribute')}"
            if "is not allowed" in rest:
                return self._field_error(path, "содержит недопустимый атрибут", suffix)
            if "required but missing" in rest:
                return self._field_error(attribute_path, MISSING, suffix)
            return self._value_error(attribute_path, rest, suffix)

        if "required but missing" in rest:
            attribute = re.search(r"The attribute '([^']+)'", rest)
            name = attribute.group(1) if attribute else ""
            return self._field_error(f"{path}/@{name}", MISSING, suffix)
        if "This element is not expected" in rest:
            return self._unexpected(element, path, rest, suffix)
        if "Missing child element" in rest:
            return self._missing(path, _expected_names(rest), suffix)
        if "No matching global declaration" in rest:
            return self._field_error(path, "не является запросом этого формата")
        if "content type is 'element-only'" in rest:
            return self._field_error(path, "содержит недопустимый текст", suffix)
        if "content type is a simple type" in rest:
            return self._field_error(
                path, "содержит недопустимые вложенные элементы", suffix
            )
        return self._value_error(path, rest, suffix)

    def field_name_of(self, element: etree._Element) -> str:
        """The field in words for an element of a document."""
        return self._name(_schema_path(element)) + _repetition_suffix(element)

    def _unexpected(
        self, element: etree._Element, path: str, rest: str, suffix: str
    ) -> FieldError:
        name = local_name(element)
        parent = element.getparent()
        parent_path = path.rpartition("/")[0]
        node = self._model.nodes.get(parent_path)
        expected = _expected_names(rest)

        foreign = (
            etree.QName(element).namespace
            != etree.QName(document_root(element)).namespace
        )
        if parent is None or node is None or name not in node.children or foreign:
            return self._field_error(
                parent_path or path, f"содержит неизвестный элемент {name}"
            )

        siblings = child_elements(parent)
        before = siblings[: siblings.index(element)]
        after = siblings[siblings.index(element) + 1 :]
        if any(local_name(sibling) == name for sibling in before):
            return self._field_error(path, "указано больше раз, чем допускается")
        for choice in node.choices:
            taken = [local_name(s) for s in before if local_name(s) in choice]
            if name in choice and taken:
                other = self._name(f"{parent_path}/{taken[0]}")
                return self._field_error(
                    path,
                    f"указано вместе со сведением «{other}», а допускается одно из них",
                )
        if expected and any(local_name(sibling) in expected for sibling in after):
            return self._field_error(path, "указано не на своём месте", suffix)
        if expected:
            return self._missing(parent_path, expected, _repetition_suffix(parent))
        return self._field_error(path, "указано лишнее сведение", suffix)

    def _missing(
        self, parent_path: str, expected: list[str], suffix: str
    ) -> FieldError:
        # libxml2 lists every element that could come next, optional ones included; the
        # one missing is the required one (or the alternatives of a required choice).
        node = self._model.nodes.get(parent_path)
        required = [
            name for name in expected if node is not None and name in node.required
        ]
        paths = [f"{parent_path}/{name}" for name in required or expected]
        known = [path for path in paths if path in self._field_names]
        if not known:
            return self._field_error(parent_path, "заполнено не полностью", suffix)
        names = [self._name(path) for path in known]
        field = " или ".join([names[0], *(_lower_first(name) for name in names[1:])])
        return FieldError(field + suffix, MISSING, known[0])

    def _value_error(self, path: str, rest: str, suffix: str) -> FieldError:
        node = self._model.nodes.get(path)
        chain = self._model.type_chain(node.value_type if node else None)
        facet_match = _FACET.match(rest)
        facet = facet_match.group("facet") if facet_match else None
        value_match = _VALUE.search(rest)
        value = value_match.group("value") if value_match else None
        numbers = [int(number) for number in _NUMBERS.findall(rest)]

        if facet == "maxLength" and numbers:
            limit = numbers[-1]
            characters = plural_ru(limit, ("символа", "символов", "символов"))
            return self._field_error(path, f"длиннее {limit} {characters}", suffix)
        if value is not None and not value.strip():
            return self._field_error(path, "не заполнено", suffix)
        if facet in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            return self._field_error(path, self._type_problem(chain, rest), suffix)
        if "DateTimeWithOffsetType" in chain and value is not None:
            if _NO_OFFSET.match(value):
                problem = "дата и время должны содержать смещение от UTC"
                return self._field_error(path, problem, suffix)
        return self._field_error(path, self._type_problem(chain, rest), suffix)

    def _type_problem(self, chain: tuple[str, ...], rest: str) -> str:
        for type_name in chain:
            if type_name in self._type_problems:
                return self._type_problems[type_name]
        return "не соответствует формату"

    def _field_error(self, path: str, problem: str, suffix: str = "") -> FieldError:
        return FieldError(self._name(path) + suffix, problem, path)

    def _name(self, path: str) -> str:
        while path:
            if path in self._field_names:
                return self._field_names[path]
            path = path.rpartition("/")[0]
        return "Сведения запроса"


def document_root(element: etree._Element) -> etree._Element:
    return element.getroottree().getroot()


def _lower_first(name: str) -> str:
    """«Документ о рождении» → «документ о рождении», but «СНИЛС ребёнка» stays."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


def _expected_names(message: str) -> list[str]:
    match = _EXPECTED.search(message)
    if match is None:
        return []
    return [name.strip().rpartition("}")[2] for name in match.group("names").split(",")]


def _schema_path(element: etree._Element) -> str:
    names = [local_name(element)]
    parent = element.getparent()
    while parent is not None:
        names.append(local_name(parent))
        parent = parent.getparent()
    return "/".join(reversed(names))


def _repetition_suffix(element: etree._Element) -> str:
    """«(№ 2)» for the second of repeated blocks (brothers and sisters), else nothing."""
    current: etree._Element | None = element
    while current is not None:
        parent = current.getparent()
        if parent is not None:
            namesakes = [
                sibling
                for sibling in child_elements(parent)
                if sibling.tag == current.tag
            ]
            if len(namesakes) > 1:
                return f" (№ {namesakes.index(current) + 1})"
        current = parent
    return ""


def _element_at(document: etree._Element, path: str | None) -> etree._Element | None:
    """Find the element an lxml error points at.

    libxml2 writes the path with each element's own prefix (`/fg:FormData/fg:orderId`)
    or, for an element in a default namespace, as `*` counted among all element
    siblings (`/*/*[6]`). Both are followed step by step rather than evaluated as XPath,
    because the prefixes are the sender's and may be bound differently on each level.
    """
    if not path or not path.startswith("/"):
        return None

    current: etree._Element | None = None
    for step in path.strip("/").split("/"):
        match = _PATH_STEP.match(step)
        if match is None:
            return None
        name, index = match.group("name"), int(match.group("index") or 1)
        candidates = [document] if current is None else child_elements(current)
        matching = [node for node in candidates if _step_matches(node, name)]
        if len(matching) < index:
            return None
        current = matching[index - 1]
    return current


def _step_matches(element: etree._Element, step_name: str) -> bool:
    if step_name == "*":
        return True
    prefix, _, name = step_name.rpartition(":")
    if local_name(element) != name:
        return False
    return (element.prefix or "") == prefix
