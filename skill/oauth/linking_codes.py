"""Linking codes: what clinic staff read out or hand over, and the patient types
on the authorize page with her date of birth.

Ten characters from an alphabet without look-alikes (no 0/O, 1/I/L, U), in two
groups of five ("K7QM2-XR4PD"): about 49 random bits, easy to read aloud and
type. Typing is forgiving: any case, spaces or dashes anywhere.

A code this short is kept as an HMAC-SHA-256 keyed with a secret derived from
``AFTERCARE_SECRET_KEY`` rather than a plain SHA-256: 49 bits could be searched
from a stolen database, but not without the key, which lives in the
deployment's configuration, not in the database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = 2
GROUP_LENGTH = 5


def new_linking_code() -> str:
    """A fresh code, grouped for reading: "K7QM2-XR4PD"."""
    characters = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH))
    return "-".join(
        characters[start : start + GROUP_LENGTH]
        for start in range(0, len(characters), GROUP_LENGTH)
    )


def normalised(typed: str) -> str:
    """The code as typed, without case, spaces or dashes."""
    return "".join(character for character in typed.upper() if character.isalnum())


def linking_code_hash(typed: str, secret_key: str) -> str:
    """How a code is kept and looked up."""
    key = hashlib.sha256(b"aftercare linking codes\0" + secret_key.encode("utf-8")).digest()
    return hmac.new(key, normalised(typed).encode("utf-8"), hashlib.sha256).hexdigest()
