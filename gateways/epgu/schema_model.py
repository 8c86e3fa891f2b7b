"""What an XSD declares, path by path: the value type, allowed children and choices.

The schema-error translator needs it to name the field behind an lxml error and to say what
a value should look like; the coverage test needs it to prove every element has a name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

XS = "http://www.w3.org/2001/XMLSchema"
_XS = f"{{{XS}}}"


@dataclass(frozen=True)
class SchemaNode:
    """One element or attribute of a message, by its path of local names.

    Paths look like `FormData/ApplicationRequest/ChildInfo/ChildSnils` and
    `FormData/@oktmo`.
    """

    path: str
    value_type: str | None
    """The simple type of the text or attribute value (`SnilsType`, `xs:date`), if any."""
    children: tuple[str, ...] = ()
    required: frozenset[str] = frozenset()
    """Children that must be present (alone or as one of a choice)."""
    choices: tuple[frozenset[str], ...] = ()
    """Groups of children of which only one may be given."""


@dataclass
class SchemaModel:
    nodes: dict[str, SchemaNode]
    type_bases: dict[str, str] = field(default_factory=dict)
    """Base type of every named simple type (`NameType` → `stringNN-256`)."""

    def type_chain(self, type_name: str | None) -> tuple[str, ...]:
        """The type and its bases up to the built-in one: NameType … xs:string."""
        chain: list[str] = []
        while type_name is not None and type_name not in chain:
            chain.append(type_name)
            type_name = self.type_bases.get(type_name)
        return tuple(chain)

    def __iter__(self) -> Iterator[SchemaNode]:
        return iter(self.nodes.values())


def read_schema_model(xsd_root: etree._Element) -> SchemaModel:
    """Walk the global elements of a single-file XSD and list every path in it."""
    builder = _Builder(xsd_root)
    for declaration in xsd_root.findall(f"{_XS}element"):
        builder.element(declaration, parent_path="")
    return SchemaModel(nodes=builder.nodes, type_bases=builder.type_bases())


class _Builder:
    def __init__(self, xsd_root: etree._Element) -> None:
        self.root = xsd_root
        self.complex_types = {
            node.get("name"): node for node in xsd_root.findall(f"{_XS}complexType")
        }
        self.simple_types = {
            node.get("name"): node for node in xsd_root.findall(f"{_XS}simpleType")
        }
        self.nodes: dict[str, SchemaNode] = {}

    def element(self, declaration: etree._Element, parent_path: str) -> None:
        name = declaration.get("name")
        path = f"{parent_path}/{name}" if parent_path else str(name)
        if path.count("/") > 32:
            raise ValueError(f"schema nesting too deep or recursive at {path}")

        type_ref = declaration.get("type")
        if type_ref is not None:
            type_name = self.type_name(declaration, type_ref)
            complex_type = self.complex_types.get(type_name)
        else:
            type_name = None
            complex_type = declaration.find(f"{_XS}complexType")
            simple_type = declaration.find(f"{_XS}simpleType")
            if simple_type is not None:
                type_name = self.anonymous_base(simple_type)

        if complex_type is None:
            self.nodes[path] = SchemaNode(path=path, value_type=type_name)
            return
        self.complex(complex_type, path)

    def complex(self, complex_type: etree._Element, path: str) -> None:
        value_type = None
        attribute_holders = [complex_type]
        simple_content = complex_type.find(f"{_XS}simpleContent")
        if simple_content is not None:
            extension = simple_content[0]
            value_type = self.type_name(extension, extension.get("base", ""))
            attribute_holders.append(extension)

        children: list[str] = []
        required: set[str] = set()
        choices: list[frozenset[str]] = []
        for group in complex_type:
            if group.tag in (f"{_XS}sequence", f"{_XS}choice", f"{_XS}all"):
                self.group(group, path, children, choices, required, optional=False)

        self.nodes[path] = SchemaNode(
            path=path,
            value_type=value_type,
            children=tuple(children),
            required=frozenset(required),
            choices=tuple(choices),
        )
        for holder in attribute_holders:
            for attribute in holder.findall(f"{_XS}attribute"):
                attribute_path = f"{path}/@{attribute.get('name')}"
                attribute_type = self.type_name(
                    attribute, attribute.get("type", "xs:string")
                )
                self.nodes[attribute_path] = SchemaNode(attribute_path, attribute_type)

    def group(
        self,
        group: etree._Element,
        path: str,
        children: list[str],
        choices: list[frozenset[str]],
        required: set[str],
        optional: bool,
    ) -> list[str]:
        optional = optional or group.get("minOccurs") == "0"
        names: list[str] = []
        for particle in group:
            if particle.tag == f"{_XS}element":
                name = str(particle.get("name"))
                names.append(name)
                if not optional and particle.get("minOccurs") != "0":
                    required.add(name)
                self.element(particle, path)
            elif particle.tag in (f"{_XS}sequence", f"{_XS}choice", f"{_XS}all"):
                names.extend(
                    self.group(particle, path, children, choices, required, optional)
                )
        children.extend(name for name in names if name not in children)
        if group.tag == f"{_XS}choice" and len(names) > 1:
            choices.append(frozenset(names))
        return names

    def type_name(self, context: etree._Element, reference: str) -> str:
        prefix, _, local = reference.rpartition(":")
        namespace = context.nsmap.get(prefix or None)
        return f"xs:{local}" if namespace == XS else local

    def anonymous_base(self, simple_type: etree._Element) -> str | None:
        restriction = simple_type.find(f"{_XS}restriction")
        if restriction is None or restriction.get("base") is None:
            return None
        return self.type_name(restriction, str(restriction.get("base")))

    def type_bases(self) -> dict[str, str]:
        bases: dict[str, str] = {}
        for name, simple_type in self.simple_types.items():
            base = self.anonymous_base(simple_type)
            if name is not None and base is not None:
                bases[name] = base
        return bases
