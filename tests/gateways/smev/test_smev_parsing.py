"""Reading what SMEV sends: real-looking samples (rewritten to 1.3), faults, MTOM, oddities."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from gateways.smev import parsing
from gateways.smev.errors import (
    SmevHttpError,
    SmevProtocolError,
    SmevRejectingFault,
    SmevServerError,
    SmevTransientFault,
)
from gateways.smev.parsing import ProblemKind

from .support import StandInSigner, as_version_1_3

TYPES = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3"
BASIC = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3"
MULTIPART_TYPE = (
    'multipart/related; type="application/xop+xml"; '
    'boundary="f438a15e-9b5b-491f-9b47-aba4d00b8837"; '
    'start="<root.message@cxf.apache.org>"; start-info="text/xml"'
)


def sample(samples_dir: Path, name: str) -> bytes:
    return as_version_1_3((samples_dir / name).read_bytes())


def get_request_reply(inner: str, *, outer: str = "") -> bytes:
    return (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        f'<soap:Body><ns2:GetRequestResponse xmlns:ns2="{TYPES}" xmlns="{BASIC}">'
        f"<ns2:RequestMessage>{inner}{outer}</ns2:RequestMessage>"
        "</ns2:GetRequestResponse></soap:Body></soap:Envelope>"
    ).encode()


def request(data: str, *, frame: str = "", reply_to: str = "UkVQTFk=") -> str:
    return (
        '<ns2:Request Id="SIGNED_BY_SMEV">'
        f'<ns2:SenderProvidedRequestData Id="SIGNED_BY_CONSUMER">{data}'
        "</ns2:SenderProvidedRequestData>"
        "<ns2:MessageMetadata><ns2:MessageType>REQUEST</ns2:MessageType>"
        "<ns2:SendingTimestamp>2026-04-01T00:00:05.000+03:00</ns2:SendingTimestamp>"
        f"</ns2:MessageMetadata>{frame}<ns2:ReplyTo>{reply_to}</ns2:ReplyTo></ns2:Request>"
    )


MESSAGE_ID = "ac9fbf27-8b8c-11eb-9086-e2bf794ac2e9"
DOC = '<x:Doc xmlns:x="urn:example:doc">1</x:Doc>'
PAYLOAD = f"<MessagePrimaryContent>{DOC}</MessagePrimaryContent>"


def test_an_empty_queue_reply_means_no_message(samples_dir: Path) -> None:
    reply = sample(samples_dir, "GetResponseResponce_EmptyQueue.xml")

    assert parsing.read_get_response_reply(reply, "text/xml; charset=utf-8") is None


def test_an_empty_queue_sent_as_mtom_multipart_means_no_message(
    samples_dir: Path,
) -> None:
    reply = sample(samples_dir, "GetResponseResponce_MultipartEmptyQueue.xml")

    assert parsing.read_get_response_reply(reply, MULTIPART_TYPE) is None
    # The body as stored without its HTTP headers: the first line names the boundary.
    assert parsing.read_get_response_reply(reply) is None


def test_a_business_response_is_read_with_its_payload_and_metadata(
    samples_dir: Path,
) -> None:
    reply = sample(samples_dir, "GetResponseResponse_ValidResponse.xml")

    response = parsing.read_get_response_reply(reply)

    assert isinstance(response, parsing.IncomingResponse)
    assert response.message_id == "8ac9a002-c751-11eb-bc0d-001a4a165f5b"
    assert response.original_message_id == "681e6b22-c751-11eb-b66e-218eae1a9246"
    assert (response.payload_namespace, response.payload_root) == (
        "urn://fake-smev-service-response",
        "FakeSmevServiceResponse",
    )
    root = parsing.parse_trusted(response.payload)
    assert root.findtext("{urn://fake-smev-service-response}Status") == "SUCCEEDED"
    assert response.metadata.sender_mnemonic == "ISIA01001"
    assert (
        response.metadata.sending_timestamp.isoformat() == "2021-06-07T08:31:00+03:00"
    )
    assert response.problems == () and response.smev_signature_valid is None


def test_smevs_signature_is_checked_with_the_verifier_over_the_referenced_element(
    samples_dir: Path,
) -> None:
    reply = sample(samples_dir, "GetResponseResponse_ValidResponse.xml")
    good, bad = StandInSigner(), StandInSigner(valid=False)

    assert parsing.read_get_response_reply(
        reply, verify=good.verify
    ).smev_signature_valid
    assert good.verified == ["SIGNED_BY_SMEV"]
    assert (
        parsing.read_get_response_reply(reply, verify=bad.verify).smev_signature_valid
        is False
    )


def test_an_asynchronous_rejection_names_its_fault_through_xsi_type(
    samples_dir: Path,
) -> None:
    reply = sample(samples_dir, "GetResponseResponce_InvalidContent.xml")

    response = parsing.read_get_response_reply(reply)

    assert response.message_id == "ad1d4183-8b8c-11eb-9ae4-fa163e6269f4"
    assert response.payload is None and response.problems == ()
    status = response.async_status
    assert status.original_message_id == "ac9fbf27-8b8c-11eb-9086-e2bf794ac2e9"
    assert status.category == "requestIsRejectedBySmev"
    assert status.fault.name == "InvalidContent"
    assert status.fault.smev_code == "SMEV-403"
    assert status.fault.code == "tsmev3:P:TSMEV3_ASYNC_CORE1:TR:ASYNC:PP:BSV:3"
    assert status.fault.validation_errors[0].startswith("cvc-complex-type.2.4.b")


def test_the_metadata_of_an_accepted_message_is_read(samples_dir: Path) -> None:
    reply = sample(samples_dir, "SendRequestResponce.xml")

    metadata = parsing.read_send_reply(reply, operation="SendRequest")

    assert metadata.message_id == "ac9fbf27-8b8c-11eb-9086-e2bf794ac2e9"
    assert metadata.status == "requestIsQueued"


def test_a_bare_server_fault_is_retryable(samples_dir: Path) -> None:
    reply = sample(samples_dir, "SoapFaultResponse.xml")

    with pytest.raises(SmevTransientFault) as caught:
        parsing.read_ack_reply(reply, http_status=500)

    assert caught.value.retryable
    assert caught.value.fault.faultstring == "Сообщение об ошибке"


def test_an_expired_certificate_is_a_permanent_signature_fault(
    samples_dir: Path,
) -> None:
    reply = sample(samples_dir, "SoapFaultResponse_SignatureVerificationFault.xml")

    with pytest.raises(SmevRejectingFault) as caught:
        parsing.read_get_request_reply(reply, http_status=500)

    error = caught.value
    assert not error.retryable and error.error_type == "SignatureVerificationFault"
    assert error.fault.reason == "CertificateIsExpired"
    assert error.fault.smev_code == "SMEV-100"
    assert "SMEV-100" in str(error) and "CertificateIsExpired" in str(error)


def test_a_request_is_read_with_its_identifiers_and_test_flag() -> None:
    data = (
        f"<ns2:MessageID>{MESSAGE_ID}</ns2:MessageID>"
        "<ns2:TransactionCode>TX-1</ns2:TransactionCode>"
        f"{PAYLOAD}<ns2:TestMessage/>"
    )
    reply = get_request_reply(request(data, reply_to=" UkVQTFk=\n"))

    incoming = parsing.read_get_request_reply(reply)

    assert incoming.message_id == MESSAGE_ID
    assert incoming.reply_to == " UkVQTFk=\n"  # verbatim, whitespace and all
    assert incoming.transaction_code == "TX-1" and incoming.is_test
    assert (
        incoming.metadata.sending_timestamp.isoformat() == "2026-04-01T00:00:05+03:00"
    )
    assert parsing.parse_trusted(incoming.payload).text == "1"
    assert (
        b"soap" not in incoming.payload
    )  # the transport's namespaces are not dragged along


def test_a_request_whose_message_id_cannot_be_read_is_unreadable_but_keeps_reply_to() -> (
    None
):
    reply = get_request_reply(
        request(f"<ns2:MessageID>no-uuid</ns2:MessageID>{PAYLOAD}")
    )

    result = parsing.read_get_request_reply(reply)

    assert isinstance(result, parsing.UnreadableMessage)
    assert result.envelope == reply and result.reply_to == "UkVQTFk="
    assert ProblemKind.MESSAGE_ID_UNREADABLE in {p.kind for p in result.problems}


def test_attachments_with_the_message_and_in_file_storage_are_listed() -> None:
    content = base64.b64encode(b"%PDF-1.7 invented").decode()
    data = (
        f"<ns2:MessageID>{MESSAGE_ID}</ns2:MessageID>{PAYLOAD}"
        "<AttachmentHeaderList><AttachmentHeader><contentId>scan-1</contentId>"
        "<MimeType>application/pdf</MimeType></AttachmentHeader></AttachmentHeaderList>"
        "<RefAttachmentHeaderList><RefAttachmentHeader><uuid>f1</uuid>"
        "<Hash>aGFzaA==</Hash><MimeType>image/jpeg</MimeType></RefAttachmentHeader>"
        "</RefAttachmentHeaderList>"
    )
    frame = (
        "<FSAttachmentsList><FSAttachment><uuid>f1</uuid><UserName>u</UserName>"
        "<Password>p</Password><FileName>photo.jpg</FileName></FSAttachment>"
        "</FSAttachmentsList>"
    )
    contents = (
        "<AttachmentContentList><AttachmentContent><Id>scan-1</Id>"
        f"<Content>{content}</Content></AttachmentContent></AttachmentContentList>"
    )
    reply = get_request_reply(request(data, frame=frame), outer=contents)

    incoming = parsing.read_get_request_reply(reply)

    inline, stored = incoming.attachments
    assert (inline.ref, inline.mime_type, inline.content) == (
        "scan-1",
        "application/pdf",
        b"%PDF-1.7 invented",
    )
    assert inline.transfer is parsing.AttachmentTransfer.WITH_MESSAGE
    assert (
        stored.ref,
        stored.file_name,
        stored.storage_user,
        stored.storage_password,
    ) == (
        "f1",
        "photo.jpg",
        "u",
        "p",
    )
    assert "storage_password" not in repr(
        stored
    )  # a secret: never in logs or tracebacks


def test_an_mtom_attachment_is_taken_from_its_mime_part() -> None:
    data = (
        f"<ns2:MessageID>{MESSAGE_ID}</ns2:MessageID>{PAYLOAD}"
        "<AttachmentHeaderList><AttachmentHeader><contentId>a1</contentId>"
        "<MimeType>application/octet-stream</MimeType></AttachmentHeader>"
        "</AttachmentHeaderList>"
    )
    contents = (
        "<AttachmentContentList><AttachmentContent><Id>a1</Id><Content>"
        '<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:part-1"/>'
        "</Content></AttachmentContent></AttachmentContentList>"
    )
    envelope = get_request_reply(request(data), outer=contents)
    body = (
        b"--BOUNDARY\r\nContent-Type: application/xop+xml\r\nContent-ID: <root>\r\n\r\n"
        + envelope
        + b"\r\n--BOUNDARY\r\nContent-Type: application/octet-stream\r\n"
        b"Content-ID: <part-1>\r\n\r\n\x00\x01binary\xff\r\n--BOUNDARY--\r\n"
    )

    incoming = parsing.read_get_request_reply(
        body, 'multipart/related; boundary="BOUNDARY"; start="<root>"'
    )

    assert incoming.envelope == envelope
    assert incoming.attachments[0].content == b"\x00\x01binary\xff"


def test_a_reply_that_is_not_soap_is_a_retryable_server_error() -> None:
    with pytest.raises(SmevServerError) as caught:
        parsing.read_get_request_reply(b"<html><body>Bad gateway</body></html>")
    assert caught.value.retryable

    with pytest.raises(SmevServerError):
        parsing.read_get_request_reply(
            b"<html>Service Unavailable</html>", http_status=503
        )


def test_a_reply_of_another_operation_is_a_protocol_error() -> None:
    reply = (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        f'<ns2:AckResponse xmlns:ns2="{TYPES}"/></soap:Body></soap:Envelope>'
    ).encode()

    with pytest.raises(SmevProtocolError):
        parsing.read_get_request_reply(reply)


def test_an_http_client_error_is_permanent() -> None:
    with pytest.raises(SmevHttpError) as caught:
        parsing.read_ack_reply(b"Not Found", http_status=404)
    assert not caught.value.retryable and caught.value.http_status == 404


def test_the_prolog_scan_finds_a_doctype_with_tricky_internal_subset() -> None:
    data = (
        b"\xef\xbb\xbf<?xml version='1.0' encoding='windows-1251'?>\n<!-- c -->\n"
        b'<!DOCTYPE r [ <!ENTITY a "x ] > y"> <!-- ] > --> <?pi ] > ?> ]>\n<r>&a;</r>'
    )

    prolog = parsing.scan_prolog(data)

    start, end = prolog.doctype
    assert data[start:end].endswith(b"]>") and data[end:].startswith(b"\n<r>")
    assert data[prolog.root_offset :] == b"<r>&a;</r>"
    assert prolog.declared_encoding == "windows-1251" and prolog.foreign_encoding


def test_an_unterminated_doctype_never_reaches_the_parser() -> None:
    root, prolog, problems = parsing.parse_untrusted(
        b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">\n<r>&x;</r>'
    )

    assert root is None and prolog.root_offset is None
    assert {p.kind for p in problems} == {ProblemKind.DOCTYPE, ProblemKind.MALFORMED}
