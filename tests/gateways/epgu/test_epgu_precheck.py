"""What is refused before the schema is applied: size, encoding, DOCTYPE, unknown root."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from gateways.epgu import (
    MAX_PAYLOAD_BYTES,
    ContractRegistry,
    InvalidPayload,
    PrecheckRejection,
    RejectionCode,
    parse,
    precheck,
)
from gateways.epgu.xml import parse_bytes

from .support import Context, example_bytes

RESIDENT = example_bytes("01-resident.xml")
BODY = RESIDENT.split(b"?>", 1)[1]  # the document without its XML declaration


def padded_to(size: int) -> bytes:
    """The resident example grown to an exact size with a comment before the root."""
    head, body = RESIDENT.split(b"\n", 1)
    filler = size - len(head) - len(body) - len(b"\n<!---->\n")
    payload = head + b"\n<!--" + b"x" * filler + b"-->\n" + body
    assert len(payload) == size
    return payload


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local TCP port that records whether anything tried to fetch from it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def connection_attempted(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


class TestSize:
    def test_payload_of_exactly_one_mebibyte_is_read(self) -> None:
        assert precheck(padded_to(MAX_PAYLOAD_BYTES)) is None

    def test_one_byte_more_is_refused(self) -> None:
        rejection = precheck(padded_to(MAX_PAYLOAD_BYTES + 1))

        assert rejection == PrecheckRejection(
            RejectionCode.FAILURE, "Размер сообщения превышает 1 МиБ"
        )


class TestEncoding:
    def test_utf8_with_declaration_is_read(self) -> None:
        assert precheck(RESIDENT) is None

    def test_utf8_without_declaration_is_read(self) -> None:
        assert precheck(BODY.lstrip()) is None

    def test_utf8_with_byte_order_mark_is_read(self) -> None:
        assert precheck(b"\xef\xbb\xbf" + RESIDENT) is None

    def test_windows_1251_declared_is_refused(self) -> None:
        text = RESIDENT.decode("utf-8").replace(
            'encoding="UTF-8"', 'encoding="windows-1251"'
        )
        payload = text.encode("cp1251")

        rejection = precheck(payload)

        assert rejection is not None
        assert rejection.code is RejectionCode.FAILURE
        assert "UTF-8" in rejection.description

    def test_another_encoding_declared_over_utf8_bytes_is_refused(self) -> None:
        # The bytes happen to be UTF-8, but the document says otherwise: refused.
        payload = RESIDENT.replace(b'encoding="UTF-8"', b'encoding="KOI8-R"')

        assert precheck(payload) is not None

    @pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
    def test_utf16_and_utf32_are_refused(self, codec: str) -> None:
        text = RESIDENT.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')

        rejection = precheck(text.encode(codec))

        assert rejection is not None
        assert rejection.code is RejectionCode.FAILURE

    def test_utf16_without_declaration_is_refused(self) -> None:
        rejection = precheck(BODY.decode("utf-8").lstrip().encode("utf-16"))

        assert rejection is not None
        assert rejection.code is RejectionCode.FAILURE

    def test_invalid_utf8_bytes_are_refused(self) -> None:
        payload = RESIDENT.replace("Примерова".encode(), "Примерова".encode("cp1251"))

        rejection = precheck(payload)

        assert rejection is not None
        assert rejection.description == "Сообщение должно быть в кодировке UTF-8"


class TestDoctype:
    def test_external_entity_is_refused_and_nothing_is_fetched(
        self, listener: socket.socket, tmp_path: Path
    ) -> None:
        secret = tmp_path / "secret.txt"
        secret.write_text("СЕКРЕТ", encoding="utf-8")
        port = listener.getsockname()[1]
        payload = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            "<!DOCTYPE fg:FormData [\n"
            f'  <!ENTITY remote SYSTEM "http://127.0.0.1:{port}/entity">\n'
            f'  <!ENTITY local SYSTEM "file://{secret}">\n'
            f'  <!ENTITY % dtd SYSTEM "http://127.0.0.1:{port}/dtd"> %dtd;\n'
            "]>\n"
        ).encode() + BODY.replace("Примерова".encode(), b"&remote;&local;", 1)

        rejection = precheck(payload)

        assert rejection is not None
        assert rejection.code is RejectionCode.FAILURE
        assert "DOCTYPE" in rejection.description
        assert "СЕКРЕТ" not in rejection.description
        assert not connection_attempted(listener)

    def test_doctype_after_comments_and_processing_instructions_is_refused(
        self,
    ) -> None:
        payload = (
            b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- a comment -->\n'
            b'<?some-pi data?>\n<!DOCTYPE FormData SYSTEM "form.dtd">' + BODY
        )

        rejection = precheck(payload)

        assert rejection is not None
        assert "DOCTYPE" in rejection.description

    def test_billion_laughs_is_refused_without_expansion(self) -> None:
        entities = "".join(
            f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
        )
        payload = (
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "ha">{entities}]><r>&l9;</r>'
        ).encode()

        rejection = precheck(payload)

        assert rejection is not None
        assert "DOCTYPE" in rejection.description

    def test_parse_refuses_the_same_payload(
        self, listener: socket.socket, context: Context
    ) -> None:
        port = listener.getsockname()[1]
        payload = (
            f'<!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1:{port}/">]>'.encode()
            + BODY
        )

        result = parse(payload, context)

        assert isinstance(result, PrecheckRejection)
        assert not connection_attempted(listener)

    def test_the_word_doctype_inside_the_document_is_harmless(self) -> None:
        payload = RESIDENT.replace(
            "Примерова".encode(), b"&lt;!DOCTYPE&gt;", 1
        ).replace(
            b"<fg:ApplicationRequest>", b"<!-- <!DOCTYPE x> --><fg:ApplicationRequest>"
        )

        assert precheck(payload) is None


class TestWellFormedness:
    @pytest.mark.parametrize(
        "payload",
        [
            b"",
            b"not xml at all",
            RESIDENT.replace(b"</fg:FormData>", b""),
            RESIDENT.replace(b"<fg:ApplicationRequest>", b"<fg:ApplicationRequest", 1),
            b"  " + RESIDENT,  # nothing may precede the XML declaration
        ],
    )
    def test_malformed_xml_is_a_failure(self, payload: bytes) -> None:
        rejection = precheck(payload)

        assert rejection is not None
        assert rejection.code is RejectionCode.FAILURE


class TestRoot:
    def test_unknown_namespace_is_an_unknown_request(self) -> None:
        payload = RESIDENT.replace(
            b"urn://x-artefacts-tsos/epgu/concentrator/first-grade/1.0.0",
            b"http://epgu.gosuslugi.ru/concentrator/kindergarten/3.2.1",
        )

        rejection = precheck(payload)

        assert rejection is not None
        assert rejection.code is RejectionCode.UNKNOWN_REQUEST_DESCRIPTION
        assert rejection.description.startswith("Вид запроса не поддерживается")

    def test_other_root_in_the_registered_namespace_is_an_unknown_request(self) -> None:
        payload = RESIDENT.replace(b"fg:FormData", b"fg:FormDataResponse")

        rejection = precheck(payload)

        assert rejection is not None
        assert rejection.code is RejectionCode.UNKNOWN_REQUEST_DESCRIPTION

    def test_form_data_without_namespace_is_an_unknown_request(self) -> None:
        rejection = precheck(b'<FormData oktmo="67000000"/>')

        assert rejection is not None
        assert rejection.code is RejectionCode.UNKNOWN_REQUEST_DESCRIPTION

    def test_a_registry_without_the_contract_knows_no_namespace(self) -> None:
        rejection = precheck(RESIDENT, registry=ContractRegistry())

        assert rejection is not None
        assert rejection.code is RejectionCode.UNKNOWN_REQUEST_DESCRIPTION

    def test_default_namespace_form_is_read_like_the_prefixed_one(
        self, context: Context
    ) -> None:
        payload = RESIDENT.replace(b"fg:", b"").replace(b"xmlns:fg=", b"xmlns=")

        assert precheck(payload) is None
        assert not isinstance(
            parse(payload, context), PrecheckRejection | InvalidPayload
        )


class TestLockedDownParser:
    """The second lock: even if a DOCTYPE got past the precheck, nothing is resolved."""

    def test_entities_are_neither_expanded_nor_fetched(
        self, listener: socket.socket, tmp_path: Path
    ) -> None:
        secret = tmp_path / "secret.txt"
        secret.write_text("СЕКРЕТ", encoding="utf-8")
        port = listener.getsockname()[1]
        payload = (
            "<!DOCTYPE r [\n"
            f'  <!ENTITY local SYSTEM "file://{secret}">\n'
            f'  <!ENTITY remote SYSTEM "http://127.0.0.1:{port}/entity">\n'
            "]><r>&local;&remote;</r>"
        ).encode()

        root = parse_bytes(payload)

        assert "СЕКРЕТ" not in etree.tostring(root, encoding="unicode")
        assert not connection_attempted(listener)

    def test_external_parameter_entity_is_refused_without_fetching(
        self, listener: socket.socket
    ) -> None:
        port = listener.getsockname()[1]
        payload = (
            f'<!DOCTYPE r [<!ENTITY % dtd SYSTEM "http://127.0.0.1:{port}/dtd"> %dtd;]>'
            "<r/>"
        ).encode()

        with pytest.raises(etree.XMLSyntaxError, match="network"):
            parse_bytes(payload)
        assert not connection_attempted(listener)
