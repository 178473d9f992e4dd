"""A test certificate authority that signs requests the way Alexa does.

Alexa signs every request to a web-service skill with the key of a certificate for
``echo-api.amazon.com`` and sends, in ``SignatureCertChainUrl``, where to download that
certificate's chain. This module plays Amazon's part: a test root, an intermediate
under it, and leaf certificates for ``echo-api.amazon.com`` issued by the intermediate.

Typical use, with ``skill.alexa.verification``::

    from tests import alexa_test_ca

    identity = alexa_test_ca.valid_identity()
    verifier = SignatureVerifier(
        alexa_test_ca.trust_store(),
        clock=lambda: alexa_test_ca.ISSUED_AT,
        fetch_chain=lambda url: identity.chain_pem,
    )
    headers = alexa_test_ca.sign_request(body)  # Signature-256 + SignatureCertChainUrl

``valid_identity()`` is valid from a day before ``ISSUED_AT`` (the time this module was
imported) to 30 days after it, so it also passes with the real clock. The other
identities each break one rule: ``expired_identity()``, ``wrong_name_identity()``,
``weak_key_identity()`` (RSA 1024), ``ec_key_identity()`` and
``untrusted_identity()`` (a root that is not in ``trust_store()``). Issue more with
``signing_ca().issue(...)``.

Keys and certificates are made once per test session and cached, because generating
RSA keys is slow.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import Store

CHAIN_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"
SIGNING_DNS_NAME = "echo-api.amazon.com"
# Certificates hold whole seconds; so does this, so it compares exactly with them.
ISSUED_AT = datetime.now(timezone.utc).replace(microsecond=0)

LEAF_NOT_VALID_BEFORE = ISSUED_AT - timedelta(days=1)
LEAF_NOT_VALID_AFTER = ISSUED_AT + timedelta(days=30)
_CA_NOT_VALID_BEFORE = ISSUED_AT - timedelta(days=365)
_CA_NOT_VALID_AFTER = ISSUED_AT + timedelta(days=3650)

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class SigningIdentity:
    """A leaf certificate, its private key, and its chain as Amazon serves it."""

    certificate: x509.Certificate
    private_key: SigningKey
    chain_pem: bytes

    def signature(self, body: bytes) -> str:
        """The ``Signature-256`` value for ``body``: base64 RSA PKCS#1 v1.5 SHA-256."""
        if not isinstance(self.private_key, rsa.RSAPrivateKey):
            raise TypeError("Alexa signs with RSA keys only")
        raw = self.private_key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(raw).decode("ascii")

    def sign_request(self, body: bytes, chain_url: str = CHAIN_URL) -> dict[str, str]:
        """The headers Alexa would send with ``body``."""
        return {"SignatureCertChainUrl": chain_url, "Signature-256": self.signature(body)}


@dataclass(frozen=True)
class CertificateAuthority:
    """A CA certificate and key; ``chain`` is what a leaf's chain PEM adds after the leaf."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey
    chain: tuple[x509.Certificate, ...]

    def issue_intermediate(self, common_name: str, key: rsa.RSAPrivateKey) -> CertificateAuthority:
        certificate = (
            self._builder(common_name, key.public_key(), _CA_NOT_VALID_BEFORE, _CA_NOT_VALID_AFTER)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .sign(self.private_key, hashes.SHA256())
        )
        return CertificateAuthority(certificate, key, (certificate, *self.chain))

    def issue(
        self,
        *,
        key: SigningKey | None = None,
        dns_name: str = SIGNING_DNS_NAME,
        not_valid_before: datetime = LEAF_NOT_VALID_BEFORE,
        not_valid_after: datetime = LEAF_NOT_VALID_AFTER,
    ) -> SigningIdentity:
        """A leaf certificate like Amazon's; by default for the shared 2048-bit leaf key."""
        key = key or _rsa_key("leaf", 2048)
        certificate = (
            self._builder(dns_name, key.public_key(), not_valid_before, not_valid_after)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self.private_key, hashes.SHA256())
        )
        chain_pem = b"".join(
            cert.public_bytes(serialization.Encoding.PEM) for cert in (certificate, *self.chain)
        )
        return SigningIdentity(certificate, key, chain_pem)

    def _builder(
        self,
        common_name: str,
        public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
        not_valid_before: datetime,
        not_valid_after: datetime,
    ) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_valid_before)
            .not_valid_after(not_valid_after)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.private_key.public_key()),
                critical=False,
            )
        )


@functools.cache
def trusted_root() -> CertificateAuthority:
    """The root that ``trust_store()`` trusts."""
    return _self_signed_root("Aftercare Test Root CA", _rsa_key("trusted root", 2048))


@functools.cache
def trust_store() -> Store:
    return Store([trusted_root().certificate])


@functools.cache
def signing_ca() -> CertificateAuthority:
    """The intermediate under ``trusted_root()`` that issues the signing certificates."""
    return trusted_root().issue_intermediate(
        "Aftercare Test Intermediate CA", _rsa_key("intermediate", 2048)
    )


@functools.cache
def valid_identity() -> SigningIdentity:
    return signing_ca().issue()


@functools.cache
def expired_identity() -> SigningIdentity:
    return signing_ca().issue(
        not_valid_before=ISSUED_AT - timedelta(days=60),
        not_valid_after=ISSUED_AT - timedelta(days=1),
    )


@functools.cache
def wrong_name_identity() -> SigningIdentity:
    return signing_ca().issue(dns_name="echo-api.amazon.com.evil.example")


@functools.cache
def weak_key_identity() -> SigningIdentity:
    return signing_ca().issue(key=_rsa_key("weak leaf", 1024))


@functools.cache
def ec_key_identity() -> SigningIdentity:
    return signing_ca().issue(key=ec.generate_private_key(ec.SECP256R1()))


@functools.cache
def untrusted_identity() -> SigningIdentity:
    """Correct in every way except that its root is not in ``trust_store()``."""
    untrusted_root = _self_signed_root("Untrusted Test Root CA", _rsa_key("untrusted root", 2048))
    return untrusted_root.issue()


def sign_request(body: bytes, chain_url: str = CHAIN_URL) -> dict[str, str]:
    """The headers Alexa would send with ``body``, signed by ``valid_identity()``."""
    return valid_identity().sign_request(body, chain_url)


@functools.cache
def _rsa_key(purpose: str, bits: int) -> rsa.RSAPrivateKey:
    # ``purpose`` only tells the cache entries apart.
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _self_signed_root(common_name: str, key: rsa.RSAPrivateKey) -> CertificateAuthority:
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_CA_NOT_VALID_BEFORE)
        .not_valid_after(_CA_NOT_VALID_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return CertificateAuthority(certificate, key, ())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_usage(
    *, digital_signature: bool = False, key_cert_sign: bool = False, crl_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )
