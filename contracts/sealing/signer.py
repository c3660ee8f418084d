"""The platform's PAdES signature over the whole agreement PDF, made with pyHanko.

The PKCS#12 file is read and its private key parsed ONCE per process (``load_sealer`` is cached):
pyHanko's stock ``SimpleSigner`` re-parses the key from DER on every signature, which with the
size-estimation dry run costs ~150 ms per signature; the cached key plus a fixed ``bytes_reserved``
costs ~25 ms (bench/sealing.py measures it).
"""

from __future__ import annotations

import functools
import hashlib
import io
import threading
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import SimpleSigner
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

SIGNATURE_FIELD_NAME = "XuetuSeal"
# Room for the CMS blob, in hex characters (twice its DER size). An RSA-2048 CMS with a two-certificate
# chain is about 3 KB of DER; a timestamp token adds the TSA's chain (a few KB more).
BYTES_RESERVED = 16_384
BYTES_RESERVED_WITH_TIMESTAMP = 32_768


class SealingKeyError(Exception):
    pass


class _CachedKeySigner(SimpleSigner):
    """A ``SimpleSigner`` that keeps the parsed private key instead of re-loading it for every signature."""

    def __init__(self, *, private_key, **kwargs):
        super().__init__(**kwargs)
        self._private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        hash_algo = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}[
            digest_algorithm.lower()
        ]
        key = self._private_key
        if isinstance(key, rsa.RSAPrivateKey):
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            if mechanism != "rsassa_pkcs1v15":
                return super().sign_raw(data, digest_algorithm)
            return key.sign(data, padding.PKCS1v15(), hash_algo)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)


@dataclass(frozen=True)
class Sealer:
    """The loaded platform key and certificate, plus the optional timestamp server."""

    signer: _CachedKeySigner
    certificate: asn1_x509.Certificate
    chain: tuple[asn1_x509.Certificate, ...]
    timestamp_url: str | None = None
    timestamper: TimeStamper | None = None

    @property
    def certificate_sha256(self) -> str:
        return hashlib.sha256(self.certificate.dump()).hexdigest()

    @property
    def certificate_pem(self) -> bytes:
        return pem.armor("CERTIFICATE", self.certificate.dump())


def _sealer_from_pkcs12(pkcs12_bytes: bytes, passphrase: bytes | None, timestamp_url: str | None) -> Sealer:
    try:
        private_key, certificate, additional = pkcs12.load_key_and_certificates(pkcs12_bytes, passphrase)
    except Exception as exc:
        raise SealingKeyError(
            "平台签名证书（PKCS#12）无法读取：文件或口令错误 / "
            f"the platform's PKCS#12 cannot be read: wrong file or passphrase ({exc})"
        ) from exc
    if private_key is None or certificate is None:
        raise SealingKeyError("PKCS#12 中缺少私钥或证书 / the PKCS#12 holds no private key or no certificate")
    cert = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
    chain = tuple(asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in additional)
    key_info_der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    store = SimpleCertificateStore()
    store.register_multiple(chain)
    signer = _CachedKeySigner(
        private_key=private_key,
        signing_cert=cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(key_info_der),
        cert_registry=store,
    )
    timestamper = HTTPTimeStamper(timestamp_url, timeout=10) if timestamp_url else None
    return Sealer(
        signer=signer, certificate=cert, chain=chain, timestamp_url=timestamp_url, timestamper=timestamper
    )


_load_lock = threading.Lock()


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, mtime_ns: int, passphrase: bytes | None, timestamp_url: str | None) -> Sealer:
    return _sealer_from_pkcs12(Path(path).read_bytes(), passphrase, timestamp_url)


def load_sealer(
    pkcs12_path: str | Path, passphrase: str | bytes | None, *, timestamp_url: str | None = None
) -> Sealer:
    """The platform sealer for this PKCS#12 file, loaded once per process (reloaded if the file changes)."""
    path = Path(pkcs12_path)
    try:
        mtime_ns = path.stat().st_mtime_ns
    except OSError as exc:
        raise SealingKeyError(
            f"找不到平台签名证书文件 {path} / the platform's PKCS#12 file {path} is missing"
        ) from exc
    if isinstance(passphrase, str):
        passphrase = passphrase.encode()
    with _load_lock:
        return _load_cached(str(path.resolve()), mtime_ns, passphrase or None, timestamp_url or None)


def sign_pdf(
    pdf: bytes | IncrementalPdfFileWriter,
    sealer: Sealer,
    *,
    reason: str = "xuetu agreement seal",
    location: str = "",
) -> bytes:
    """Sign the whole PDF (a certifying PAdES signature: no later change is permitted). Given a writer with pending
    changes (the certificate page), those are signed in the same incremental update."""
    writer = (
        pdf
        if isinstance(pdf, IncrementalPdfFileWriter)
        else IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    )
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        reason=reason,
        location=location or None,
        name="xuetu",
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=sealer.signer,
        timestamper=sealer.timestamper,
        new_field_spec=fields.SigFieldSpec(sig_field_name=SIGNATURE_FIELD_NAME),
    )
    out = pdf_signer.sign_pdf(
        writer,
        bytes_reserved=BYTES_RESERVED_WITH_TIMESTAMP if sealer.timestamper else BYTES_RESERVED,
    )
    return out.getvalue()
