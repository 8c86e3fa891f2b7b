"""Where the WSDL and XSDs come from: our own subset, or the operator's files when configured."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from lxml import etree

from gateways.schema_compiling import compile_schema
from gateways.smev import namespaces as ns
from gateways.smev.parsing import safe_parser

OWN_SCHEMA_DIR = Path(__file__).resolve().with_name("schema")
WSDL_FILE = f"smev-message-exchange-service-{ns.VERSION}.wsdl"
TYPES_FILE = f"smev-message-exchange-types-{ns.VERSION}.xsd"
FAULTS_FILE = f"smev-message-exchange-faults-{ns.VERSION}.xsd"

_XS = "http://www.w3.org/2001/XMLSchema"


def schema_dir_or_own(schema_dir: Path | str | None) -> Path:
    """The configured schema directory (the operator's official files), else ours."""
    if schema_dir is None:
        return OWN_SCHEMA_DIR
    path = Path(schema_dir).resolve()
    missing = [
        name
        for name in (WSDL_FILE, TYPES_FILE, FAULTS_FILE)
        if not (path / name).is_file()
    ]
    if missing:
        raise FileNotFoundError(
            f"SMEV schema directory {path} lacks {', '.join(missing)}"
        )
    return path


def wsdl_path(schema_dir: Path | str | None = None) -> Path:
    return schema_dir_or_own(schema_dir) / WSDL_FILE


class MessageSchema:
    """The types and faults XSDs of one directory, compiled once; validates operation elements."""

    def __init__(self, schema_dir: Path) -> None:
        driver = etree.Element(f"{{{_XS}}}schema", nsmap={"xs": _XS})
        for namespace, name in ((ns.TYPES, TYPES_FILE), (ns.FAULTS, FAULTS_FILE)):
            etree.SubElement(
                driver,
                f"{{{_XS}}}import",
                namespace=namespace,
                schemaLocation=(schema_dir / name).as_uri(),
            )
        self.directory = schema_dir
        self._schema = compile_schema(lambda: etree.XMLSchema(driver))
        # The error log lives on the schema object: one validation at a time.
        self._lock = threading.Lock()

    def errors(self, element: etree._Element) -> list[str]:
        """Validation errors of one element (an operation request, response or fault detail)."""
        document = etree.ElementTree(element) if element.getparent() is None else None
        target = document if document is not None else _detached(element)
        with self._lock:
            if self._schema.validate(target):
                return []
            return [f"{e.line}:{e.column}: {e.message}" for e in self._schema.error_log]


def _detached(element: etree._Element) -> etree._ElementTree:
    # Validation needs the element as a document root; tostring() keeps every namespace in
    # scope, so the copy reads the same as the original.
    return etree.ElementTree(
        etree.fromstring(etree.tostring(element, with_tail=False), safe_parser())
    )


def message_schema(schema_dir: Path | str | None = None) -> MessageSchema:
    """The compiled schema of a directory (default: ours), compiled once per process."""
    return _compiled(schema_dir_or_own(schema_dir))


@lru_cache(maxsize=8)
def _compiled(schema_dir: Path) -> MessageSchema:
    return MessageSchema(schema_dir)
