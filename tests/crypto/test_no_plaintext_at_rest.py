"""After a realistic scenario, neither the database nor any log line holds a stored secret."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from fallteam.auth.models import User
from fallteam.demo.data import (
    DEMO_BACKGROUND,
    DEMO_FAMILY,
    DEMO_FILE_NUMBER,
    DEMO_MORE_CASES,
    DEMO_PAST_FAMILY,
    DEMO_PAST_PRESENTATION,
    DEMO_PAST_PROTOCOLS,
    DEMO_PRESENTATION,
    DEMO_QUESTION,
    DEMO_RESUBMISSION_TOPIC,
)
from fallteam.extensions import db
from tests.conftest import Account, csrf_token, sign_in
from tests.crypto.models import CryptoTestBase, Family, Member, Note

FAMILY_NAME = "Wojciechowski-Brandhorst"
CHILD_NAME = "Leokadia Wojciechowski"
NARRATIVE = "Kindeswohlgefährdung vermutet nach Hinweis der Kita Sonnenblume, Ahornweg 17."
PROFILE_VALUE = "Diagnose ADHS laut Kinderarzt"
DOCUMENT = b"%PDF-1.7 Schweigepflichtsentbindung unterschrieben von Brandhorst"


def _scenario(app) -> list[str]:
    """Store case-like data and sign in through the web; returns every plaintext stored."""
    app.config.update(FALLTEAM_DEMO=True, FALLTEAM_ENV="development")
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        CryptoTestBase.metadata.create_all(db.engine)
        family = Family(
            name=FAMILY_NAME,
            narrative=NARRATIVE,
            profile={"gesundheit": PROFILE_VALUE},
            document=DOCUMENT,
        )
        db.session.add(family)
        db.session.flush()
        db.session.add_all(
            [Member(case_id=family.id, name=CHILD_NAME), Note(text=f"Rückruf bei {FAMILY_NAME}")]
        )
        db.session.commit()
        secrets = [u.totp_secret for u in db.session.scalars(select(User))]
        demo = db.session.scalars(select(User).where(User.username == "fachkraft")).one()
        account = Account(
            demo.id, demo.username, "Demo-Ahornblatt-Laterne", demo.totp_secret, demo.role_names
        )
    client = app.test_client()
    sign_in(client, app, account)
    client.post("/abmelden", data={"csrf_token": csrf_token(client)})
    # A first name of three or four letters turns up by chance in a megabyte of ciphertext
    # (about one run in twenty for "Mia"): short first names are looked for with the surname.
    demo_family = [
        value
        for role, sex, first, last, born, address, *_ in (
            *DEMO_FAMILY,
            *(person for _, family, *_ in DEMO_MORE_CASES for person in family),
            *DEMO_PAST_FAMILY,
        )
        for value in (
            first if len(first) >= 6 else f"{first} {last}",
            last,
            born,
            date.fromisoformat(born).strftime("%d.%m.%Y"),
            address.split(",")[0],
        )
    ]
    return [
        FAMILY_NAME,
        CHILD_NAME,
        NARRATIVE,
        PROFILE_VALUE,
        DOCUMENT.decode(),
        *secrets,
        *demo_family,
        DEMO_FILE_NUMBER,
        "Großmutter Renate",
        DEMO_BACKGROUND[:60],
        DEMO_QUESTION,
        DEMO_PRESENTATION[:60],
        *(question for *_, question, _ in DEMO_MORE_CASES),
        # last week's session: presentation, a Fallprotokoll, the Wiedervorlage agreed in it
        DEMO_PAST_PRESENTATION[:60],
        DEMO_PAST_PROTOCOLS["Kessler"]["hypothesen"],
        DEMO_RESUBMISSION_TOPIC,
    ]


def _every_stored_text(app) -> str:
    """All rows of all tables, as text (what a dump or a backup would contain)."""
    with app.app_context():
        connection = db.session.connection()
        parts = []
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                parts.extend(
                    bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
                    for v in row
                )
        return "\n".join(parts)


def test_no_stored_plaintext_in_the_database_or_the_logs(committed_app, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        plaintexts = _scenario(committed_app)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    dump = _every_stored_text(committed_app)
    log_lines = [record.getMessage() for record in caplog.records]
    assert any("INSERT INTO test_families" in line for line in log_lines), "SQL was not logged"
    for secret in plaintexts:
        assert secret not in dump
        assert not [line for line in log_lines if secret in line]


@pytest.mark.parametrize("committed_app", ["sqlite"], indirect=True)
def test_the_demo_database_file_holds_no_plaintext(committed_app):
    plaintexts = _scenario(committed_app)
    with committed_app.app_context():
        db.engine.dispose()  # flush everything into the file
        path = Path(db.engine.url.database)
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert len(raw) > 10_000
    for secret in plaintexts:
        for encoding in ("utf-8", "utf-16-le"):
            assert secret.encode(encoding) not in raw, secret
