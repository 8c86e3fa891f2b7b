"""The SMEV 3 transform `urn://smev-gov-ru/xmldsig/transform`, byte for byte as the reference.

The reference is the Java `SmevTransformSpi` of the official SMEV 3 client: it reads the
exclusive-C14N octets with a StAX reader and writes them again with the Woodstox StAX writer
(smev.md §2.3). Its rules, and the Woodstox escaping they depend on:

- the XML declaration, comments and processing instructions are dropped;
- a text event made only of characters <= U+0020 (Java `trim()`) is dropped, any other text
  is kept unchanged; comments and processing instructions split text into separate events;
- every element gets a generated prefix `nsN` (one counter for the whole fragment); a prefix
  is reused only if an ancestor (or the element itself) already declared that namespace URI;
  declarations come first for the element's own namespace, then for attribute namespaces in
  attribute order; unused declarations disappear;
- attributes: namespace-qualified ones first, by namespace URI then local name, then the
  unqualified ones by local name, compared as Java strings (UTF-16 code units);
- empty elements are written as `<a></a>`;
- elements without a namespace are rejected (the Java code fails on them too);
- text escaping (Woodstox `BufferingXmlWriter.writeCharacters`): `&`, `<`, CR and the
  controls U+007F..U+009F always; `>` only as the first character of a write call or after
  `]`. Texts of 12 or more UTF-16 units are written in 512-unit chunks through the char-array
  path, where a raw run also restarts after every escaped character, so there `>` is escaped
  at the start of each chunk and right after any escape as well;
- attribute escaping (`writeAttrValue`): `&`, `<`, `"`, TAB, LF and CR; `>` stays raw.

The PyPI package `smev-transform` 2.0.0 gets the structural rules right but writes text and
attribute values without any escaping, deletes line feeds from text, treats Unicode spaces
as blank, sorts by code points instead of UTF-16 units and accepts elements without a
namespace; hence this implementation. The tests still run the package as an oracle where it
is right.

Not reproduced: Woodstox may split a very long text node into several events when its input
buffer fills, which would move the chunk boundaries; CDATA sections are read as plain text
(exclusive C14N never emits them, so signed content is unaffected).
"""

from __future__ import annotations

from lxml import etree

from gateways.xml_safety import hardened_parser

from .errors import TransformError

ALGORITHM = "urn://smev-gov-ru/xmldsig/transform"

# Woodstox copies texts of at least this many UTF-16 units into a buffer of _CHUNK units and
# escapes each chunk separately (BaseStreamWriter.writeCharacters).
_SMALL_TEXT_LIMIT = 12
_CHUNK = 512

_ATTRIBUTE_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        '"': "&quot;",
        "\t": "&#x9;",
        "\n": "&#xa;",
        "\r": "&#xd;",
    }
)
_TEXT_ESCAPES: dict[str, str] = {"&": "&amp;", "<": "&lt;", "\r": "&#xd;"}
_TEXT_ESCAPES.update({chr(code): f"&#x{code:x};" for code in range(0x7F, 0xA0)})
_TEXT_ESCAPE_TABLE = str.maketrans(_TEXT_ESCAPES)


def smev_transform(data: bytes) -> bytes:
    """Apply the SMEV transform to XML octets (normally the exclusive-C14N output)."""
    root = _parse(data)
    writer = _Writer()
    writer.element(root)
    return "".join(writer.out).encode("utf-8")


def escape_text(text: str) -> str:
    """Escape one text event as the reference (Woodstox) writer does."""
    if ">" not in text:
        return text.translate(_TEXT_ESCAPE_TABLE)
    if _utf16_length(text) < _SMALL_TEXT_LIMIT:
        return _escape_short_text(text)
    return _escape_long_text(text)


def escape_attribute(value: str) -> str:
    """Escape an attribute value (or a namespace URI) as the reference writer does."""
    return value.translate(_ATTRIBUTE_ESCAPES)


def _parse(data: bytes) -> etree._Element:
    if not isinstance(data, bytes):
        raise TypeError("the SMEV transform takes XML octets (bytes)")

    try:
        root = etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise TransformError(
            f"input of the SMEV transform is not well-formed XML: {exc}"
        ) from exc

    if root.getroottree().docinfo.doctype:
        raise TransformError("a DOCTYPE is not accepted in content to be signed")
    return root


class _Writer:
    def __init__(self) -> None:
        self.out: list[str] = []
        self._counter = 0
        # One list of (namespace URI, prefix) per open element, outermost first.
        self._scopes: list[list[tuple[str, str]]] = []

    def element(self, element: etree._Element) -> None:
        qname = etree.QName(element)
        if not qname.namespace:
            raise TransformError(
                f"element <{qname.localname}> has no namespace; the SMEV transform "
                "supports namespace-qualified XML only"
            )

        scope: list[tuple[str, str]] = []
        self._scopes.append(scope)
        prefix = self._prefix_for(qname.namespace, scope)

        attributes = []
        for uri, local_name, value in sorted(
            _attributes(element), key=_attribute_order
        ):
            name = f"{self._prefix_for(uri, scope)}:{local_name}" if uri else local_name
            attributes.append(f' {name}="{escape_attribute(value)}"')

        tag = f"{prefix}:{qname.localname}"
        self.out.append(f"<{tag}")
        self.out.extend(f' xmlns:{p}="{escape_attribute(uri)}"' for uri, p in scope)
        self.out.extend(attributes)
        self.out.append(">")

        self._text(element.text)
        for child in element:
            # Comments and processing instructions are dropped, but the text around them
            # stays as separate events, exactly as a StAX reader reports it.
            if isinstance(child.tag, str):
                self.element(child)
            self._text(child.tail)

        self.out.append(f"</{tag}>")
        self._scopes.pop()

    def _prefix_for(self, uri: str, scope: list[tuple[str, str]]) -> str:
        for open_scope in self._scopes:
            for declared_uri, prefix in open_scope:
                if declared_uri == uri:
                    return prefix

        self._counter += 1
        prefix = f"ns{self._counter}"
        scope.append((uri, prefix))
        return prefix

    def _text(self, text: str | None) -> None:
        if text and not _is_blank(text):
            self.out.append(escape_text(text))


def _attributes(element: etree._Element) -> list[tuple[str, str, str]]:
    result = []
    for key, value in element.attrib.items():
        if key.startswith("{"):
            uri, _, local_name = key[1:].partition("}")
            result.append((uri, local_name, value))
        else:
            result.append(("", key, value))
    return result


def _attribute_order(attribute: tuple[str, str, str]) -> tuple[int, bytes, bytes]:
    uri, local_name, _ = attribute
    # UTF-16BE bytes compare like Java's String.compareTo (by UTF-16 code units).
    return (0 if uri else 1, uri.encode("utf-16-be"), local_name.encode("utf-16-be"))


def _is_blank(text: str) -> bool:
    return all(char <= " " for char in text)


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for char in text if char > "\uffff")


def _escape_short_text(text: str) -> str:
    parts = []
    previous = ""
    for index, char in enumerate(text):
        if char == ">":
            parts.append("&gt;" if index == 0 or previous == "]" else ">")
        else:
            parts.append(_TEXT_ESCAPES.get(char, char))
        previous = char
    return "".join(parts)


def _escape_long_text(text: str) -> str:
    parts = []
    previous = ""
    position = 0  # in UTF-16 units, as Java counts the chunks
    run_starts = True
    for char in text:
        if position % _CHUNK == 0:
            run_starts = True

        escaped = _TEXT_ESCAPES.get(char)
        if char == ">" and (run_starts or previous == "]"):
            escaped = "&gt;"

        parts.append(escaped or char)
        run_starts = escaped is not None
        previous = char
        position += 2 if char > "\uffff" else 1
    return "".join(parts)
