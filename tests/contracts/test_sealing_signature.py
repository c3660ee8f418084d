"""The platform's PAdES signature, checked by poppler's pdfsig (with an NSS database) and by pyHanko's
validator."""

import datetime as dt
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from contracts.sealing import SealingKeyError, load_sealer, seal_agreement_pdf
from contracts.sealing.signer import SIGNATURE_FIELD_NAME
from tests.contracts.sealing_support import (
    PASSPHRASE,
    agreement_pdf,
    flip_byte_in_content,
    make_seal_env,
    pdfsig,
    signing_record,
)


@pytest.fixture(scope="module")
def seal_env(tmp_path_factory):
    return make_seal_env(tmp_path_factory.mktemp("seal"))


@pytest.fixture(scope="module")
def sealed(seal_env):
    unsigned = agreement_pdf()
    return seal_agreement_pdf(unsigned, signing_record(unsigned), seal_env.sealer)


def test_pdfsig_reports_a_valid_trusted_signature_over_the_whole_file(seal_env, sealed, tmp_path):
    # when
    report = pdfsig(sealed.pdf, tmp_path, seal_env.nss_dir)

    # then
    assert f"Signature Field Name: {SIGNATURE_FIELD_NAME}" in report
    assert "Signature Validation: Signature is Valid." in report
    assert "Certificate Validation: Certificate is Trusted." in report
    assert "Total document signed" in report
    assert "ETSI.CAdES.detached" in report  # PAdES


def test_pdfsig_reports_a_digest_mismatch_after_one_changed_byte(seal_env, sealed, tmp_path):
    # given
    tampered = flip_byte_in_content(sealed.pdf)

    # when
    report = pdfsig(tampered, tmp_path, seal_env.nss_dir)

    # then
    assert "Digest Mismatch" in report


def test_pyhanko_validator_reports_intact_trusted_and_unmodified(seal_env, sealed):
    # given
    reader = PdfFileReader(io.BytesIO(sealed.pdf))
    (signature,) = reader.embedded_signatures
    context = ValidationContext(trust_roots=list(seal_env.sealer.chain), allow_fetching=False)

    # when
    status = validate_pdf_signature(signature, signer_validation_context=context)

    # then
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.modification_level.name == "NONE"
    assert status.docmdp_ok
    assert status.signing_cert.dump() == seal_env.sealer.certificate.dump()
    assert status.bottom_line


def test_the_key_is_loaded_once_per_process(seal_env):
    # given
    pkcs12_path = seal_env.directory / "seal.p12"

    # when
    first = load_sealer(pkcs12_path, PASSPHRASE)
    second = load_sealer(str(pkcs12_path), PASSPHRASE.encode())

    # then
    assert first is second is seal_env.sealer


def test_wrong_passphrase_is_a_clear_error(seal_env):
    # when / then
    with pytest.raises(SealingKeyError, match="wrong file or passphrase"):
        load_sealer(seal_env.directory / "seal.p12", "not-the-passphrase")


def test_missing_pkcs12_is_a_clear_error(tmp_path):
    # when / then
    with pytest.raises(SealingKeyError, match="missing"):
        load_sealer(tmp_path / "nope.p12", PASSPHRASE)


# --- RFC 3161 timestamp from a TSA reachable over HTTP (a local one; pyHanko's test TSA answers) ---


def _tsa_certificate():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test TSA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_info = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)), key_info


@pytest.fixture
def tsa_url():
    tsa_cert, tsa_key = _tsa_certificate()
    tsa = DummyTimeStamper(tsa_cert=tsa_cert, tsa_key=tsa_key)
    requests_seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests_seen.append(self.headers["Content-Type"])
            response = tsa.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(response)))
            self.end_headers()
            self.wfile.write(response)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa", tsa_cert, requests_seen
    server.shutdown()
    server.server_close()


def test_a_configured_timestamp_server_adds_an_rfc3161_timestamp(seal_env, tsa_url, tmp_path):
    # given
    url, tsa_cert, requests_seen = tsa_url
    sealer = load_sealer(seal_env.directory / "seal.p12", PASSPHRASE, timestamp_url=url)
    unsigned = agreement_pdf()

    # when
    sealed = seal_agreement_pdf(unsigned, signing_record(unsigned), sealer)

    # then: the TSA was asked, and pyHanko finds a valid timestamp token in the signature
    assert requests_seen == ["application/timestamp-query"]
    (signature,) = PdfFileReader(io.BytesIO(sealed.pdf)).embedded_signatures
    context = ValidationContext(trust_roots=[*seal_env.sealer.chain, tsa_cert], allow_fetching=False)
    status = validate_pdf_signature(signature, signer_validation_context=context)
    assert status.bottom_line
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact and status.timestamp_validity.valid
    assert status.timestamp_validity.trusted
    assert "Signature is Valid" in pdfsig(sealed.pdf, tmp_path, seal_env.nss_dir)


def test_the_agreement_bytes_are_kept_as_they_were(seal_env):
    # given
    unsigned = agreement_pdf()

    # when: the certificate page and the signature are appended as one incremental update
    result = seal_agreement_pdf(unsigned, signing_record(unsigned), seal_env.sealer)

    # then: the sealed file begins with the agreement exactly as the parties read it
    assert result.pdf.startswith(unsigned)
    assert len(result.pdf) > len(unsigned)
