"""The blind index finds exact matches (after normalising) and nothing else, without plaintext."""

from __future__ import annotations

import hashlib

from fallteam.crypto.blind_index import blind_index, normalise


def test_spelling_variants_of_the_same_name_match(app):
    with app.app_context():
        variants = {
            blind_index(v, table="family_members", column="name")
            for v in ("Müller", "MUELLER", "  mueller ", "Mu\u0308ller")
        }
    assert len(variants) == 1


def test_different_values_and_different_columns_do_not_match(app):
    with app.app_context():
        name = blind_index("Meyer", table="family_members", column="name")
        assert name != blind_index("Maier", table="family_members", column="name")
        assert name != blind_index("Meyer", table="cases", column="file_number")


def test_the_index_reveals_no_plaintext_and_depends_on_the_key(app):
    with app.app_context():
        value = blind_index("Schmidt", table="family_members", column="name")
    assert len(value) == 64 and "schmidt" not in value.lower()
    assert value != hashlib.sha256(b"schmidt").hexdigest()


def test_normalisation():
    assert normalise("  Groß  Straße ") == "gross strasse"
    assert normalise("ÖZTÜRK") == "oeztuerk"
