"""A development signing certificate: a self-signed CA and a signing certificate it issued, in a PKCS#12.

For ``make run`` (under var/) and for tests (in a temporary directory). Never for production, never committed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

DOCUMENT_SIGNING_OID = ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning (RFC 9336)


@dataclass(frozen=True)
class DevCertificate:
    pkcs12_path: Path
    passphrase: str
    ca_pem_path: Path
    signing_cert_pem_path: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "xuetu development"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def create_dev_certificate(
    directory: str | Path,
    *,
    passphrase: str,
    common_name: str = "xuetu development seal",
    now: dt.datetime | None = None,
    valid_days: int = 3650,
    overwrite: bool = False,
) -> DevCertificate:
    """Write ``seal.p12`` (key + certificate + CA), ``seal-ca.pem`` and ``seal-cert.pem`` into ``directory``.

    An existing ``seal.p12`` is kept unless ``overwrite`` is true (so ``make run`` is idempotent).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    result = DevCertificate(
        pkcs12_path=directory / "seal.p12",
        passphrase=passphrase,
        ca_pem_path=directory / "seal-ca.pem",
        signing_cert_pem_path=directory / "seal-cert.pem",
    )
    if result.pkcs12_path.exists() and not overwrite:
        return result

    now = now or dt.datetime.now(dt.UTC)
    not_before = now - dt.timedelta(days=1)
    not_after = now + dt.timedelta(days=valid_days)

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name("xuetu development CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING_OID]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )

    p12 = pkcs12.serialize_key_and_certificates(
        name=b"xuetu-seal",
        key=key,
        cert=cert,
        cas=[ca_cert],
        encryption_algorithm=serialization.BestAvailableEncryption(passphrase.encode()),
    )
    result.pkcs12_path.write_bytes(p12)
    result.pkcs12_path.chmod(0o600)
    result.ca_pem_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    result.signing_cert_pem_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return result


def main(argv: list[str] | None = None) -> int:
    """``python -m contracts.sealing.devcert [DIRECTORY]``: create the development certificate if missing.

    The passphrase comes from XUETU_SEALING_PASSPHRASE (default "development").
    """
    import argparse
    import os

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("directory", nargs="?", default="var/sealing")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    passphrase = os.environ.get("XUETU_SEALING_PASSPHRASE", "development")
    cert = create_dev_certificate(args.directory, passphrase=passphrase, overwrite=args.overwrite)
    print(f"development sealing certificate: {cert.pkcs12_path} (CA: {cert.ca_pem_path})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
