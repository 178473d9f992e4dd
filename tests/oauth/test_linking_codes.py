"""Linking codes: easy to read aloud and type, forgiving to type, kept keyed."""

import re

from skill.oauth.linking_codes import ALPHABET, linking_code_hash, new_linking_code, normalised

KEY = "a-secret-key-long-enough-for-the-tests-0123456789"


def test_a_code_is_two_groups_of_five_without_look_alikes():
    codes = {new_linking_code() for _ in range(200)}

    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[^-]{5}-[^-]{5}", code)
        assert set(code.replace("-", "")) <= set(ALPHABET)
    assert not set("01ILOU") & set(ALPHABET)


def test_typing_is_forgiving_of_case_spaces_and_dashes():
    assert normalised(" k7qm2 - xr4pd ") == "K7QM2XR4PD"
    assert linking_code_hash("k7qm2 xr4pd", KEY) == linking_code_hash("K7QM2-XR4PD", KEY)


def test_the_kept_hash_depends_on_the_secret_key():
    assert linking_code_hash("K7QM2-XR4PD", KEY) != linking_code_hash("K7QM2-XR4PD", KEY + "x")
    assert "K7QM2" not in linking_code_hash("K7QM2-XR4PD", KEY)
