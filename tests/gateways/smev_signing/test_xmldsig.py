"""Signing and verifying SMEV 3 detached signatures, end to end."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from asn1crypto import x509
from gostcrypto import gosthash, gostsignature
from lxml import etree
from smev_transform import Transform as WheelTransform

from gateways.smev.signing import (
    DIGEST_METHOD,
    DSIG_NS,
    EXC_C14N,
    SIGNATURE_METHOD,
    SMEV_TRANSFORM,
    GostcryptoSigner,
    KeyMaterialError,
    OpenSslGostSigner,
    ReferenceNotFound,
    SignatureInvalid,
    Signer,
    SignerUnavailable,
    SmevSignatureError,
    TransformError,
    exclusive_c14n,
    make_signer,
    openssl_gost_available,
    verify,
)
from tests.conftest import shared_path

from .conftest import openssl, require_openssl_gost

TYPES = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3"
BASIC = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3"
BUSINESS = "urn://example.org/tsos/test-request/1.0"
REFERENCE_ID = "SIGNED_BY_CONSUMER"
NSMAP = {"tns": TYPES, "bas": BASIC, "ds": DSIG_NS, "b": BUSINESS}

# Invented data: a request with text and attributes that need escaping, and Cyrillic.
REQUEST = f"""<tns:SendRequestRequest xmlns:tns="{TYPES}">
  <tns:SenderProvidedRequestData Id="{REFERENCE_ID}">
    <tns:MessageID>0d5a8f4e-2f3a-11ef-9a1b-0242ac120002</tns:MessageID>
    <bas:MessagePrimaryContent xmlns:bas="{BASIC}">
      <testRequest xmlns="{BUSINESS}" kind="a&amp;b &quot;c&quot;">
        <organization code="42">ООО «Ромашка» &amp; Ко &lt;тест&gt;</organization>
        <note>строка 1
строка 2</note>
        <empty/>
      </testRequest>
    </bas:MessagePrimaryContent>
  </tns:SenderProvidedRequestData>
  <tns:CallerInformationSystemSignature/>
</tns:SendRequestRequest>""".encode()

# The same request as another system might serialise it: other prefixes, a default
# namespace, declarations moved up, other indentation, attribute order and escapes. The
# placeholder is replaced by the signature, with its xmlns:ds moved to the root.
RESERIALISED = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- re-serialised by someone else -->
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:x="{TYPES}" xmlns:ds="{DSIG_NS}" xmlns:unused="urn:unused">
<soap:Header/>
<soap:Body>
<x:SendRequestRequest>
<SenderProvidedRequestData xmlns="{TYPES}" Id="{REFERENCE_ID}"><MessageID
>0d5a8f4e-2f3a-11ef-9a1b-0242ac120002</MessageID>
        <m:MessagePrimaryContent xmlns:m="{BASIC}"><q:testRequest xmlns:q="{BUSINESS}"
            kind='a&#38;b "c"'><q:organization code="42"
            >ООО «Ромашка» &#x26; Ко &lt;тест></q:organization><q:note>строка 1
строка 2</q:note>
<q:empty></q:empty></q:testRequest></m:MessagePrimaryContent></SenderProvidedRequestData>
<x:CallerInformationSystemSignature>SIGNATURE</x:CallerInformationSystemSignature>
</x:SendRequestRequest>
</soap:Body>
</soap:Envelope>"""


def parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    return etree.fromstring(data, parser)


def sign_request(signer: Signer, source: bytes = REQUEST) -> bytes:
    """The request signed and serialised as it would be sent."""
    document = parse(source)
    signature = signer.sign(document, reference_id=REFERENCE_ID)
    document.find("tns:CallerInformationSystemSignature", NSMAP).append(signature)
    return etree.tostring(document, encoding="utf-8")


def received(data: bytes) -> tuple[etree._Element, etree._Element, etree._Element]:
    """(document, signature, signed element) of a message as the receiver parses it."""
    document = parse(data)
    signature = document.find(".//ds:Signature", NSMAP)
    signed = document.xpath("//*[@Id = $rid]", rid=REFERENCE_ID)[0]
    return document, signature, signed


@pytest.fixture(scope="module")
def signed_request(gostcrypto_signer: GostcryptoSigner) -> bytes:
    return sign_request(gostcrypto_signer)


# --- shape and round trip ------------------------------------------------------------------


def test_signature_has_the_smev_shape(
    signed_request: bytes, gostcrypto_signer: GostcryptoSigner
) -> None:
    _, signature, _ = received(signed_request)

    def algorithm(path: str) -> str:
        return signature.find(path, NSMAP).get("Algorithm")

    assert [child.tag for child in signature] == [
        f"{{{DSIG_NS}}}SignedInfo",
        f"{{{DSIG_NS}}}SignatureValue",
        f"{{{DSIG_NS}}}KeyInfo",
    ]
    assert algorithm("ds:SignedInfo/ds:CanonicalizationMethod") == EXC_C14N
    assert algorithm("ds:SignedInfo/ds:SignatureMethod") == SIGNATURE_METHOD
    reference = signature.find("ds:SignedInfo/ds:Reference", NSMAP)
    assert reference.get("URI") == f"#{REFERENCE_ID}"
    transforms = reference.findall("ds:Transforms/ds:Transform", NSMAP)
    assert [t.get("Algorithm") for t in transforms] == [EXC_C14N, SMEV_TRANSFORM]
    assert reference.find("ds:DigestMethod", NSMAP).get("Algorithm") == DIGEST_METHOD
    assert len(base64.b64decode(reference.find("ds:DigestValue", NSMAP).text)) == 32
    assert len(base64.b64decode(signature.find("ds:SignatureValue", NSMAP).text)) == 64
    certificate = signature.find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NSMAP)
    assert base64.b64decode(certificate.text) == gostcrypto_signer.certificate_der
    # Written compactly: no whitespace between the tags of the signature.
    for node in signature.iter():
        assert node is signature or node.tail is None
        assert len(node) == 0 or node.text is None


@pytest.mark.parametrize("backend", ["gostcrypto", "openssl"])
def test_sign_then_verify(backend: str, request: pytest.FixtureRequest) -> None:
    signer = request.getfixturevalue(f"{backend}_signer")

    _, signature, signed = received(sign_request(signer))
    result = verify(signature, signed)

    assert result.reference_id == REFERENCE_ID
    assert result.certificate.der == signer.certificate_der
    assert result.certificate.public_key == signer.certificate.public_key


def test_signed_element_may_be_passed_directly(
    gostcrypto_signer: GostcryptoSigner,
) -> None:
    document = parse(REQUEST)
    element = document.find("tns:SenderProvidedRequestData", NSMAP)

    signature = gostcrypto_signer.sign(element, reference_id=REFERENCE_ID)

    assert verify(signature, element).reference_id == REFERENCE_ID


# --- what must not verify -------------------------------------------------------------------


def test_tampered_text_fails(signed_request: bytes) -> None:
    tampered = signed_request.replace("Ромашка".encode(), "Ромашко".encode())
    _, signature, signed = received(tampered)

    with pytest.raises(SignatureInvalid, match="digest"):
        verify(signature, signed)


def test_tampered_attribute_fails(signed_request: bytes) -> None:
    _, signature, signed = received(signed_request)
    signed.find(".//b:organization", NSMAP).set("code", "43")

    with pytest.raises(SignatureInvalid, match="digest"):
        verify(signature, signed)


def test_tampered_signature_value_fails(signed_request: bytes) -> None:
    _, signature, signed = received(signed_request)
    value_element = signature.find("ds:SignatureValue", NSMAP)
    value = bytearray(base64.b64decode(value_element.text))
    value[10] ^= 0x01
    value_element.text = base64.b64encode(bytes(value)).decode()

    with pytest.raises(SignatureInvalid, match="signature value does not match"):
        verify(signature, signed)


def test_tampered_digest_value_fails(signed_request: bytes) -> None:
    _, signature, signed = received(signed_request)
    signature.find(".//ds:DigestValue", NSMAP).text = base64.b64encode(
        bytes(32)
    ).decode()

    with pytest.raises(SignatureInvalid, match="DigestValue"):
        verify(signature, signed)


def test_certificate_of_another_key_fails(
    signed_request: bytes, other_credentials
) -> None:
    _, signature, signed = received(signed_request)
    other = GostcryptoSigner.from_files(*other_credentials).certificate_der
    node = signature.find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NSMAP)
    node.text = base64.b64encode(other).decode()

    with pytest.raises(SignatureInvalid, match="signature value does not match"):
        verify(signature, signed)


def test_signature_does_not_cover_another_element(signed_request: bytes) -> None:
    document, signature, _ = received(signed_request)
    other = document.find(".//tns:MessageID", NSMAP)
    other.set("Id", "OTHER")

    with pytest.raises(SignatureInvalid, match="does not point at"):
        verify(signature, other)


C14N_1_0 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
GOST_2001_SIGNATURE = "http://www.w3.org/2001/04/xmldsig-more#gostr34102001-gostr3411"
GOST_94_DIGEST = "http://www.w3.org/2001/04/xmldsig-more#gostr3411"


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        ("ds:SignedInfo/ds:CanonicalizationMethod", C14N_1_0, "canonicalization"),
        ("ds:SignedInfo/ds:SignatureMethod", GOST_2001_SIGNATURE, "signature method"),
        (".//ds:Transform[2]", "urn://smev-gov-ru/xmldsig/run", "transforms"),
        (".//ds:DigestMethod", GOST_94_DIGEST, "digest method"),
    ],
    ids=["c14n", "gost2001-signature", "wrong-transform", "gost94-digest"],
)
def test_other_algorithms_are_refused(
    signed_request: bytes, path: str, value: str, reason: str
) -> None:
    _, signature, signed = received(signed_request)
    signature.find(path, NSMAP).set("Algorithm", value)

    with pytest.raises(SignatureInvalid, match=reason):
        verify(signature, signed)


def test_duplicate_id_is_refused_by_signer_and_verifier(
    signed_request: bytes, gostcrypto_signer: GostcryptoSigner
) -> None:
    document, signature, signed = received(signed_request)
    etree.SubElement(document, f"{{{TYPES}}}Decoy", Id=REFERENCE_ID)

    with pytest.raises(SignatureInvalid, match="not unique"):
        verify(signature, signed)
    with pytest.raises(ReferenceNotFound, match="occurs 2 times"):
        gostcrypto_signer.sign(document, reference_id=REFERENCE_ID)


def test_missing_or_malformed_reference(gostcrypto_signer: GostcryptoSigner) -> None:
    document = parse(REQUEST)

    with pytest.raises(ReferenceNotFound, match="no element"):
        gostcrypto_signer.sign(document, reference_id="SIGNED_BY_NOBODY")
    with pytest.raises(ValueError, match="NCName"):
        gostcrypto_signer.sign(document, reference_id="1-starts-with-a-digit")


def test_content_without_namespace_cannot_be_signed(
    gostcrypto_signer: GostcryptoSigner,
) -> None:
    source = REQUEST.replace(
        f'<testRequest xmlns="{BUSINESS}"'.encode(), b"<testRequest"
    )

    with pytest.raises(TransformError, match="has no namespace"):
        gostcrypto_signer.sign(parse(source), reference_id=REFERENCE_ID)


def test_errors_share_one_base() -> None:
    errors = (SignatureInvalid, ReferenceNotFound, TransformError, KeyMaterialError)
    for error in (*errors, SignerUnavailable):
        assert issubclass(error, SmevSignatureError)
    assert SignatureInvalid("digest mismatch").reason == "digest mismatch"


# --- what exclusive C14N and the SMEV transform are for ----------------------------------


def test_reserialised_elsewhere_still_verifies(signed_request: bytes) -> None:
    _, signature, _ = received(signed_request)
    signature_xml = etree.tostring(signature, encoding="unicode").replace(
        f' xmlns:ds="{DSIG_NS}"', "", 1
    )
    document = parse(RESERIALISED.replace("SIGNATURE", signature_xml).encode())

    result = verify(
        document.find(".//ds:Signature", NSMAP), document.xpath("//*[@Id]")[0]
    )

    assert result.reference_id == REFERENCE_ID


def test_reindenting_after_signing_breaks_signed_info(signed_request: bytes) -> None:
    # smev.md section 7, item 9: nothing may touch the tree after signing.
    document = parse(signed_request)
    etree.indent(document)
    _, signature, signed = received(etree.tostring(document, encoding="utf-8"))

    with pytest.raises(SignatureInvalid, match="signature value does not match"):
        verify(signature, signed)


def test_sent_bytes_verify(signed_request: bytes) -> None:
    _, signature, signed = received(signed_request)

    assert verify(signature, signed).reference_id == REFERENCE_ID


# --- independent verification paths ------------------------------------------------------

# Content without characters the PyPI transform mis-escapes, so it can serve as an oracle.
PLAIN_REQUEST = (
    REQUEST.replace(b' kind="a&amp;b &quot;c&quot;"', b' kind="plain"')
    .replace("ООО «Ромашка» &amp; Ко &lt;тест&gt;".encode(), "ООО «Ромашка»".encode())
    .replace("строка 1\nстрока 2".encode(), "строка".encode())
)


def test_independent_raw_verification(gostcrypto_signer: GostcryptoSigner) -> None:
    _, signature, signed = received(sign_request(gostcrypto_signer, PLAIN_REQUEST))

    # Digest: lxml exclusive C14N, the PyPI transform, gostcrypto's Streebog.
    c14n = etree.tostring(signed, method="c14n", exclusive=True, with_comments=False)
    octets = WheelTransform().process(c14n.decode()).encode()
    digest = bytes(gosthash.new("streebog256", data=octets).digest())
    assert (
        base64.b64encode(digest).decode()
        == signature.find(".//ds:DigestValue", NSMAP).text
    )

    # Signature: the raw point from the certificate, gostcrypto's own verify. The key is
    # the last 64 bytes of SubjectPublicKeyInfo (OCTET STRING 04 40 inside the BIT STRING).
    der = base64.b64decode(signature.find(".//ds:X509Certificate", NSMAP).text)
    key_info = x509.Certificate.load(der)["tbs_certificate"][
        "subject_public_key_info"
    ].dump()
    assert key_info[-66:-64] == b"\x04\x40"
    point = key_info[-64:-32][::-1] + key_info[-32:][::-1]
    signed_info = etree.tostring(
        signature.find("ds:SignedInfo", NSMAP), method="c14n", exclusive=True
    )
    hashed = bytes(gosthash.new("streebog256", data=signed_info).digest())
    value = base64.b64decode(signature.find("ds:SignatureValue", NSMAP).text)
    curve = gostsignature.new(
        gostsignature.MODE_256,
        gostsignature.CURVES_R_1323565_1_024_2019[
            "id-tc26-gost-3410-2012-256-paramSetB"
        ],
    )
    s_r = value[32:] + value[:32]
    assert curve.verify(bytearray(point), bytearray(hashed[::-1]), bytearray(s_r))


def test_openssl_verifies_our_signed_info(
    signed_request: bytes, tmp_path: Path
) -> None:
    require_openssl_gost()
    _, signature, _ = received(signed_request)
    certificate = tmp_path / "cert.der"
    certificate.write_bytes(
        base64.b64decode(signature.find(".//ds:X509Certificate", NSMAP).text)
    )
    value = tmp_path / "sig.bin"
    value.write_bytes(base64.b64decode(signature.find("ds:SignatureValue", NSMAP).text))
    public_key = tmp_path / "pub.pem"
    public_key.write_bytes(
        openssl("x509", "-inform", "DER", "-in", str(certificate), "-noout", "-pubkey")
    )

    out = openssl(
        "dgst",
        "-md_gost12_256",
        "-verify",
        str(public_key),
        "-signature",
        str(value),
        data=exclusive_c14n(signature.find("ds:SignedInfo", NSMAP)),
    )

    assert b"Verified OK" in out


@pytest.mark.parametrize(
    ("sample", "reference_id"),
    [
        ("SendRequestResponce.xml", "SIGNED_BY_SMEV"),
        ("GetResponseResponce_InvalidContent.xml", "SIGNED_BY_SMEV"),
        ("GetResponseResponce_InvalidContent.xml", "SIGNED_ASYNC_BY_SMEV"),
    ],
)
def test_real_smev_signature_verifies(sample: str, reference_id: str) -> None:
    path = shared_path("reference", "smev3", "samples", "smev3sharp", sample)
    document = parse(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    signed = document.xpath("//*[@Id = $rid]", rid=reference_id)[0]
    signature = next(
        s
        for s in document.iter(f"{{{DSIG_NS}}}Signature")
        if s.find(".//ds:Reference", NSMAP).get("URI") == f"#{reference_id}"
    )
    # The publisher of these samples indented the files, SignedInfo included; SMEV sends it
    # without whitespace, so the indentation is taken out again. The signed element keeps
    # its indentation: the SMEV transform drops it.
    for node in signature.find("ds:SignedInfo", NSMAP).iter():
        if node.text is not None and not node.text.strip() and len(node):
            node.text = None
        if node.tail is not None and not node.tail.strip():
            node.tail = None

    result = verify(signature, signed)

    assert result.reference_id == reference_id
    first_text = next(node for node in signed.iter() if node.text and node.text.strip())
    first_text.text += "x"
    with pytest.raises(SignatureInvalid, match="digest"):
        verify(signature, signed)


# --- signer construction ------------------------------------------------------------------


def test_signers_implement_the_protocol(gostcrypto_signer: GostcryptoSigner) -> None:
    assert isinstance(gostcrypto_signer, Signer)


def test_make_signer_choices(credentials: tuple[Path, Path]) -> None:
    assert isinstance(make_signer(*credentials, prefer="gostcrypto"), GostcryptoSigner)
    expected = OpenSslGostSigner if openssl_gost_available() else GostcryptoSigner
    assert isinstance(make_signer(*credentials), expected)
    with pytest.raises(ValueError, match="unknown signer preference"):
        make_signer(*credentials, prefer="cryptopro")  # type: ignore[arg-type]


def test_openssl_signer_needs_the_engine(credentials: tuple[Path, Path]) -> None:
    with pytest.raises(SignerUnavailable, match="libengine-gost-openssl"):
        OpenSslGostSigner(*credentials, openssl="/nonexistent/openssl")


@pytest.mark.parametrize("backend", ["gostcrypto", "openssl"])
def test_key_must_match_certificate(
    backend: str, credentials, other_credentials
) -> None:
    if backend == "openssl":
        require_openssl_gost()
    with pytest.raises(KeyMaterialError, match="does not match the certificate"):
        make_signer(credentials[0], other_credentials[1], prefer=backend)


@pytest.mark.parametrize("backend", ["gostcrypto", "openssl"])
def test_missing_key_file_is_a_key_error(
    backend: str, credentials: tuple[Path, Path], tmp_path: Path
) -> None:
    if backend == "openssl":
        require_openssl_gost()
    with pytest.raises(KeyMaterialError):
        make_signer(tmp_path / "missing.pem", credentials[1], prefer=backend)
