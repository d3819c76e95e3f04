"""The second-factor secret is opened only where a code is checked or set up: the signed-in
user loaded by every request leaves it sealed (no system data key unwrapped, no decryption per
page) — and sign-in with the code still works."""

from __future__ import annotations

from fallteam.auth.models import User
from fallteam.extensions import db


def test_a_page_request_neither_loads_nor_opens_the_signed_in_users_totp_secret(
    signed_in, count_statements
):
    client, _ = signed_in(["fachkraft"])  # sign-in itself checked the code (secret opened)
    with count_statements() as sent:
        assert client.get("/wiedervorlagen").status_code == 200
    assert sent, "the page sent no statement at all"
    assert not [s for s in sent.sent if "totp_secret" in s]
    assert not [s for s in sent.sent if "data_keys" in s]


def test_the_secret_is_opened_when_it_is_read(app, create_account):
    account = create_account(["fachkraft"])
    with app.app_context():
        user = db.session.get(User, account.id)
        assert "totp_secret" not in user.__dict__  # not loaded with the account
        assert user.totp_secret == account.totp_secret  # loaded and opened on first use
