#!/usr/bin/env python3
"""Makes a throw-away certificate authority and a server certificate it signs, for TLS tests.

    test_ca.py DIR NAME...

Writes into DIR: ca.pem (the CA's certificate), server.pem and server.key (the server's
certificate, for every NAME: DNS names, or IP addresses written as such), and other-ca.pem
(a second CA that signed nothing here: trusting it alone must fail). Keys are EC P-256; the
certificates are valid from an hour ago for 7 days.
"""
import datetime
import ipaddress
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def name(common):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def authority(common, now):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(common)).issuer_name(name(common)).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def main():
    folder, names = sys.argv[1], sys.argv[2:]
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, ca_cert = authority("cfdev-telemetry test CA", now)
    _, other_cert = authority("cfdev-telemetry other CA", now)
    key = ec.generate_private_key(ec.SECP256R1())
    alt = []
    for entry in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(entry)))
        except ValueError:
            alt.append(x509.DNSName(entry))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(names[0])).issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value),
            critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "ca.pem"), "wb") as f:
        f.write(ca_cert.public_bytes(pem))
    with open(os.path.join(folder, "other-ca.pem"), "wb") as f:
        f.write(other_cert.public_bytes(pem))
    with open(os.path.join(folder, "server.pem"), "wb") as f:
        f.write(cert.public_bytes(pem))
    with open(os.open(os.path.join(folder, "server.key"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


if __name__ == "__main__":
    main()
