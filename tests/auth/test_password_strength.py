"""A new password must be hard to guess: zxcvbn's estimate (with the user's names and the
office's place names as known words) beside the German list and the length rule, and the
German message says why."""

from __future__ import annotations

import pytest

from fallteam.auth.passwords import password_problems
from fallteam.demo.data import DEMO_USERS
from tests.conftest import csrf_token

GUESSABLE = "zu leicht zu erraten"


def _change(client, current: str, new: str):
    return client.post(
        "/konto/passwort",
        data={
            "current_password": current,
            "new_password": new,
            "confirm_password": new,
            "csrf_token": csrf_token(client),
        },
    )


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("123456789012", "Zeichenfolge"),
        ("abcdefghijkl", "Zeichenfolge"),
        ("Teltow123456", "Ortsnamen"),
    ],
)
def test_a_guessable_password_is_refused_and_the_message_says_why(app, signed_in, password, reason):
    client, account = signed_in(["member"])
    response = _change(client, account.password, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert GUESSABLE in page
    assert reason in page
    assert "Passwort wurde geändert" not in page


def test_a_long_unusual_passphrase_is_accepted(app, signed_in):
    client, account = signed_in(["member"])
    response = _change(client, account.password, "Wolke sieben trägt Laternen")
    assert response.status_code == 302


def test_keyboard_patterns_and_repetitions_are_named(app):
    with app.test_request_context():
        assert any("Tastatur" in p for p in password_problems("mnbvcxylkjhg"))
        assert any("Wiederholung" in p for p in password_problems("wolke7wolke7wolke7"))


def test_a_place_name_with_digits_is_refused(app):
    with app.test_request_context():
        problems = password_problems("Potsdam2026!!")
    assert any("Ortsnamen" in p for p in problems)


@pytest.mark.settings(PASSWORD_PLACE_NAMES=["Bernau", "Panketal"])
def test_the_place_names_are_configurable(app):
    with app.test_request_context():
        assert any("Ortsnamen" in p for p in password_problems("Panketal-2024!"))
        assert not any("Ortsnamen" in p for p in password_problems("Teltow123456"))


def test_the_user_names_count_as_known_words(app):
    """Written in digits for letters, the name is not in the password as such; only the
    estimator, which has the user's names as known words, recognises it."""
    with app.test_request_context():
        (problem,) = password_problems("M@rt1n@_2024", "mkrueger", "Martina Krüger")
    assert GUESSABLE in problem
    assert "Es enthält Ihren Namen oder Benutzernamen." in problem


@pytest.mark.parametrize("password", ["Krueger-1985!!", "Kruger-1985!!", "KRUEGER1985!!"])
def test_the_own_name_written_without_umlaut_is_refused(app, password):
    with app.test_request_context():
        problems = password_problems(password, "mkrueger", "Martina Krüger")
    assert any("Namen" in p for p in problems)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("BadBelzig2024!", "Ortsnamen"),
        ("Grosskreutz2024!", "Ortsnamen"),
        ("Jugendamt-Teltow", "Arbeitsumfeld"),
        ("Fallteam!Teltow1", "Arbeitsumfeld"),
        ("Potsdam2026!!Potsdam", "Ortsnamen"),
        ("Teltow-Krueger-2024", "Namen"),
    ],
)
def test_known_words_put_together_are_refused(app, password, reason):
    """Place names written without their space or ß, and passwords that are nothing but
    place, office and own names with digits and signs between them."""
    with app.test_request_context():
        problems = password_problems(password, "mkrueger", "Martina Krüger")
    assert problems
    assert reason in problems[0]


@pytest.mark.settings(PASSWORD_OFFICE_WORDS=["Familienzentrum"])
def test_the_office_words_are_configurable(app):
    with app.test_request_context():
        assert any("Arbeitsumfeld" in p for p in password_problems("Familienzentrum-2024!"))
        assert password_problems("Fallteam-Wolke-sieben-Laterne") == []


def test_the_messages_are_german(app):
    with app.test_request_context():
        text = " ".join(password_problems("123456789012") + password_problems("mnbvcxylkjhg"))
    for english in ("commonly", "Sequences", "Avoid", "Add another word", "easy to guess"):
        assert english not in text


def test_the_fixture_and_demo_passwords_pass_the_rule(app):
    with app.test_request_context():
        assert (
            password_problems("Korrekt-Pferd-0a1b2c3d", "user1-abcdef", "Test user1-abcdef") == []
        )
        for demo in DEMO_USERS:
            assert password_problems(demo.password, demo.username, demo.display_name) == []
