"""Shared fixtures: one application per database backend for the whole run, each test's
database work inside an outer transaction that is rolled back, a client, factories and a
sign-in helper that passes the second factor."""

from __future__ import annotations

import os
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from fallteam import create_app
from fallteam.auth import operations as accounts
from fallteam.auth.models import Institution, User
from fallteam.crypto import signing
from fallteam.crypto.keyring import Keyring
from fallteam.crypto.runtime import current_keyring
from fallteam.extensions import db, limiter
from fallteam.meetings.models import ConfidentialityPledge


def _database_of_this_worker(url: str | None) -> str | None:
    """Under pytest-xdist every worker gets a PostgreSQL database of its own (``test_gw0``,
    ``test_gw1`` …): each worker's run begins by dropping the schema it migrates."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base, name = url.rsplit("/", 1)
    own = f"{name}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": own}):
            conn.execute(text(f'CREATE DATABASE "{own}"'))
    admin.dispose()
    return f"{base}/{own}"


POSTGRES_URL = _database_of_this_worker(os.environ.get("FALLTEAM_TEST_POSTGRES_URL"))
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
ROLES = ["fachkraft", "member", "guest", "dpo", "admin"]

#: names of institutions the migration seeds (consents and accounts refer to them by id)
ASD = "Allgemeiner Sozialer Dienst (ASD)"
JOBCENTER = "Jobcenter/MAIA"
GESUNDHEITSAMT = "Gesundheitsamt"
EINGLIEDERUNGSHILFE = "Eingliederungshilfe (§ 35a SGB VIII / SGB IX)"
KITA_FACHBERATUNG = "Kita-Fachberatung"


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        default=False,
        help="run the load, crash, concurrency and fuzz tests at full size (CI: reduced size)",
    )


@dataclass(frozen=True)
class Size:
    """How big a load, crash or fuzz test runs: reduced by default (CI), full with ``--slow``."""

    full: bool

    def pick(self, reduced, full):
        """``reduced`` in a normal run, ``full`` under ``--slow``."""
        return full if self.full else reduced


@pytest.fixture(scope="session")
def size(request) -> Size:
    """``size.pick(reduced, full)``: e.g. ``size.pick(5, 30)`` seconds of concurrent writers."""
    return Size(full=request.config.getoption("--slow"))


def test_settings(instance_path, database_url: str) -> dict:
    """Settings of a test application: fresh keys, cheap hashing, everything else as shipped."""
    return {
        "INSTANCE_PATH": str(instance_path),
        "FALLTEAM_ENV": "testing",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "FALLTEAM_KEYRING": Keyring.generate().to_json(),
        "DATABASE_URL": database_url,
        "ARGON2_PROFILE": "cheapest",
        "SERVER_NAME": None,
    }


def reset_postgres_schema(url: str) -> None:
    """Start PostgreSQL runs from an empty schema, so the migrations are what builds it."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def make_app(instance_path, database_url: str, **overrides) -> Flask:
    """An application on a freshly migrated database."""
    if database_url.startswith("postgresql"):
        reset_postgres_schema(database_url)
    app = create_app({**test_settings(instance_path, database_url), **overrides})
    with app.app_context():
        upgrade()
        # the document-signing key of the Protokollauszug, as ``keys init`` makes it
        signing.ensure(
            signing.signing_file(app.config),
            current_keyring(),
            app.config["FALLTEAM_INSTANCE_NAME"],
        )
    return app


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, tmp_path_factory) -> Iterator[Flask]:
    """The application, once per backend (test ids show which: ``[sqlite]``, ``[postgresql]``)."""
    instance = tmp_path_factory.mktemp(f"instance-{request.param}")
    url = f"sqlite:///{instance / 'test.sqlite3'}" if request.param == "sqlite" else POSTGRES_URL
    # No checkpoint directory: this app's commits are savepoints rolled back after each test,
    # so files written for them would describe a chain that no longer exists (tests of the
    # directory use ``committed_app`` or set ``AUDIT_CHECKPOINT_DIR`` themselves).
    application = make_app(instance, url, AUDIT_CHECKPOINT_DIR="")
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _isolated_database(request) -> Iterator[None]:
    """Every test's work happens in an outer transaction that is rolled back at the end.

    The application's commits become savepoint releases (SQLAlchemy's "joining a session into
    an external transaction" recipe), so requests and test code see each other's data.
    """
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        connection = db.engine.connect()
    transaction = connection.begin()
    original = db.session
    db.session = scoped_session(
        sessionmaker(class_=Session, bind=connection, join_transaction_mode="create_savepoint"),
        scopefunc=_app_ctx_id,
    )
    limiter.reset()
    try:
        yield
    finally:
        # Sessions were closed at the end of each application context (Flask-SQLAlchemy).
        db.session = original
        transaction.rollback()
        connection.close()


@pytest.fixture(autouse=True)
def _settings_marker(request) -> Iterator[None]:
    """``@pytest.mark.settings(NAME=value)`` changes the app's configuration for one test."""
    marker = request.node.get_closest_marker("settings")
    if marker is None or "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    saved = {name: app.config.get(name) for name in marker.kwargs}
    app.config.update(marker.kwargs)
    try:
        yield
    finally:
        app.config.update(saved)


@dataclass
class Statements:
    """The SQL statements sent to the database while counting (BEGIN and SAVEPOINT included)."""

    sent: list[str] = field(default_factory=list, repr=False)

    def __len__(self) -> int:
        return len(self.sent)


@pytest.fixture
def count_statements(app):
    """``with count_statements() as sent: client.get(...)``; ``len(sent)`` is the number of
    statements the block sent (an SQLAlchemy ``before_cursor_execute`` listener)."""
    with app.app_context():
        engine = db.engine

    @contextmanager
    def counting() -> Iterator[Statements]:
        statements = Statements()

        def note(conn, cursor, statement, parameters, context, executemany) -> None:
            statements.sent.append(statement)

        event.listen(engine, "before_cursor_execute", note)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", note)

    return counting


@pytest.fixture
def client(app) -> FlaskClient:
    """A test client without an application context held open between requests."""
    return app.test_client()


@dataclass
class Account:
    """What a test knows about an account it made: enough to sign in as it."""

    id: uuid.UUID
    username: str
    password: str
    totp_secret: str | None
    roles: list[str]


def make_account(
    app: Flask,
    roles: list[str] | None = None,
    *,
    username: str | None = None,
    password: str | None = None,
    second_factor: bool = True,
    must_change_password: bool = False,
    active: bool = True,
    institution: str | None = None,
    pledged: bool = True,
) -> Account:
    """A ready-to-use account in ``app``'s database (committed). ``pledged``: the account
    has confirmed the Verschwiegenheitspflicht (only guests and temporary members are asked
    for it; ``pledged=False`` makes one who has not)."""
    username = username or f"user-{secrets.token_hex(4)}"
    password = password or f"Korrekt-Pferd-{secrets.token_hex(4)}"
    with app.app_context():
        # an account that sees case content must name its institution; tests that do not
        # care get one: a guest one that no consent of theirs names, the team the ASD
        if institution is None and "guest" in (roles or ["member"]):
            institution = KITA_FACHBERATUNG
        elif institution is None and {"fachkraft", "member"} & set(roles or ["member"]):
            institution = ASD
        user, _ = accounts.create_user(
            username=username,
            display_name=f"Test {username}",
            email=f"{username}@example.org",
            roles=list(roles or ["member"]),
            institution=db.session.get(Institution, institution_id_of(institution))
            if institution is not None
            else None,
        )
        accounts.set_password(user, password, chosen_by_user=not must_change_password)
        secret = None
        if second_factor:
            secret = accounts.start_second_factor_setup(user)
            user.totp_confirmed = True
        user.active = active
        if pledged:
            db.session.add(
                ConfidentialityPledge(
                    user_id=user.id, text=app.config["CONFIDENTIALITY_PLEDGE_TEXT"]
                )
            )
        db.session.commit()
        return Account(user.id, user.username, password, secret, list(roles or ["member"]))


@pytest.fixture
def create_account(app):
    """Factory: ``create_account(roles=["fachkraft"])`` makes a ready-to-use account."""
    counter = iter(range(1, 10_000))

    def make(roles: list[str] | None = None, *, username: str | None = None, **kwargs) -> Account:
        username = username or f"user{next(counter)}-{secrets.token_hex(3)}"
        return make_account(app, roles, username=username, **kwargs)

    return make


def institution_id_of(name: str) -> uuid.UUID:
    """The id of the institution with this name (inside an application context)."""
    from sqlalchemy import select

    from fallteam.auth.models import Institution

    return db.session.scalars(select(Institution.id).where(Institution.name == name)).one()


@pytest.fixture
def institution_id(app):
    """``institution_id(JOBCENTER)``: the id of a seeded institution."""

    def find(name: str) -> uuid.UUID:
        with app.app_context():
            return institution_id_of(name)

    return find


def extract_csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def csrf_token(client: FlaskClient) -> str:
    """A valid CSRF token for the client's session (every page's language form carries one)."""
    response = client.get("/anmelden", follow_redirects=True)
    return extract_csrf_token(response.get_data(as_text=True))


def submit_password(client: FlaskClient, username: str, password: str):
    """The first sign-in step, as a browser would send it."""
    return client.post(
        "/anmelden",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


def fresh_totp_code(app, account: Account) -> str:
    """A valid code the account has not used yet (codes are single-use per 30 s step)."""
    with app.app_context():
        user = db.session.get(User, account.id)
        last = user.totp_last_step
        now_step = int(time.time() // 30)
        # The current step or the next one stay valid even if the clock crosses into the next
        # step before the server checks (it accepts one step either side); the previous one
        # would not.
        step = now_step if last is None or last < now_step else last + 1
        if step > now_step + 1:
            # More sign-ins in one 30-second window than that allows: forget the last step
            # (test bookkeeping only, not a path the application offers).
            user.totp_last_step = None
            db.session.commit()
            step = now_step
    return pyotp.TOTP(account.totp_secret).generate_otp(step)


def sign_in(client: FlaskClient, app, account: Account) -> None:
    """Sign in through the real two steps (password, then a TOTP code)."""
    response = submit_password(client, account.username, account.password)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/anmelden/zweiter-faktor")
    response = client.post(
        "/anmelden/zweiter-faktor",
        data={"code": fresh_totp_code(app, account), "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def signed_in(app, create_account):
    """Factory: ``client, account = signed_in(["admin"])``, a client signed in with those roles."""

    def make(roles: list[str] | None = None, **kwargs) -> tuple[FlaskClient, Account]:
        account = create_account(roles, **kwargs)
        client = app.test_client()
        sign_in(client, app, account)
        return client, account

    return make


def _fresh_database_url(backend: str, directory) -> tuple[str, callable]:
    """A database nobody else uses, and how to remove it: a file, or a new PostgreSQL database."""
    if backend == "sqlite":
        return f"sqlite:///{directory / 'committed.sqlite3'}", lambda: None
    name = f"fallteam_t_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}", drop


@pytest.fixture(params=BACKENDS)
def committed_app(request, tmp_path) -> Iterator[Flask]:
    """An application on its own fresh database whose commits are real (no rollback at the
    end), with its key ring in a key file: for tests of what reaches the disk, of other
    processes and connections, and of restarts."""
    from fallteam.crypto.keyring import FileKeyProvider

    url, drop = _fresh_database_url(request.param, tmp_path)
    key_file = tmp_path / "keys" / "keyring.json"
    FileKeyProvider(key_file).store(Keyring.generate())
    settings = {
        **test_settings(tmp_path, url),
        "FALLTEAM_KEYRING": None,
        "FALLTEAM_KEY_FILE": str(key_file),
    }
    application = create_app(settings)
    with application.app_context():
        upgrade()
    application.config["TEST_SETTINGS"] = settings
    yield application
    with application.app_context():
        db.engine.dispose()
    drop()


# --- cases -------------------------------------------------------------------------------

PDF = b"%PDF-1.7\n% Schweigepflichtsentbindung (Testdokument)\n%%EOF\n"


def family_of_four():
    """Mother, father (separated), two children: the suite's standard family."""
    from datetime import date

    from fallteam.cases.operations import MemberData

    return [
        MemberData(
            role="Mutter",
            sex="f",
            first_name="Sabine",
            last_name="Krautwurst",
            birth_date=date(1988, 5, 14),
            address="Lindenallee 7, 14513 Teltow",
            in_household=True,
        ),
        MemberData(
            role="Vater",
            sex="m",
            first_name="Marco",
            last_name="Krautwurst",
            birth_date=date(1985, 11, 2),
            address="Gartenstraße 3, 14482 Potsdam",
        ),
        MemberData(
            role="Kind",
            sex="f",
            first_name="Leonie",
            last_name="Krautwurst",
            birth_date=date(2018, 3, 4),
            address="Lindenallee 7, 14513 Teltow",
            in_household=True,
            is_index=True,
        ),
        MemberData(
            role="Kind",
            sex="m",
            first_name="Jonas",
            last_name="Krautwurst",
            birth_date=date(2015, 9, 21),
            address="Lindenallee 7, 14513 Teltow",
            in_household=True,
        ),
    ]


@dataclass
class SampleCase:
    """Ids of a case made for a test, and of its parts."""

    id: uuid.UUID
    pseudonym: str
    member_ids: list[uuid.UUID]
    relation_id: uuid.UUID
    resource_id: uuid.UUID
    participant_ids: list[uuid.UUID]
    consent_id: uuid.UUID | None


@pytest.fixture
def create_case(app):
    """Factory: ``create_case(owner, participants=[(account, "guest")], consent={...})``
    (``consent={..., "father_too": True}``: the father consents alike, for the whole family)."""
    from datetime import timedelta

    from fallteam.cases import operations as cases
    from fallteam.consent import operations as consents
    from fallteam.core.models import utcnow

    def make(
        owner: Account,
        *,
        participants=(),
        consent: dict | None = None,
        background: str | None = None,
    ) -> SampleCase:
        with app.app_context():
            owner_user = db.session.get(User, owner.id)
            case = cases.register_case(
                owner_user,
                category="hze",
                child_protection=False,
                file_number=f"AZ-{secrets.token_hex(3)}",
                members=family_of_four(),
            )
            mother, father, first, second = case.members
            relation = cases.add_relation(case, "separated", mother, father)
            cases.add_relation(case, "parent_of", mother, first)
            cases.add_relation(case, "parent_of", father, first)
            cases.add_relation(case, "parent_of", mother, second)
            resource = cases.add_resource(
                case, kind="person", quality="strong", label="Oma Gisela Krautwurst"
            )
            if background:
                cases.set_background(case, background)
            now = utcnow()
            participant_ids = [
                cases.grant_participation(
                    case,
                    db.session.get(User, account.id),
                    kind=kind,
                    valid_from=now - timedelta(hours=1),
                    valid_until=now + timedelta(days=1),
                    actor=owner_user,
                ).id
                for account, kind in participants
            ]
            consent_id = None
            if consent is not None:
                # by default the mother consents for herself and, having custody, the children
                grantor = case.members[consent.get("grantor", 0)]
                data = consents.ConsentData(
                    grantor=grantor,
                    grantor_capacity=consent.get("capacity", "sorgeberechtigt"),
                    custody_for=[case.members[i] for i in consent.get("custody_for", (2, 3))],
                    recipients=consent.get("recipients", []),
                    purposes=consent.get("purposes", ["fallberatung"]),
                    data_categories=consent.get("categories", ["identity"]),
                    valid_from=consent.get("valid_from", now.date() - timedelta(days=30)),
                    valid_until=consent.get("valid_until"),
                    form="schriftlich",
                    document=PDF,
                    document_name="entbindung.pdf",
                )
                consent_id = consents.record_consent(case, data, actor=owner_user).id
                if consent.get("father_too"):
                    # the father's own consent alike: the whole family is released
                    consents.record_consent(
                        case,
                        replace(data, grantor=father, custody_for=[], document_name="vater.pdf"),
                        actor=owner_user,
                    )
            db.session.commit()
            return SampleCase(
                case.id,
                case.pseudonym,
                [m.id for m in case.members],
                relation.id,
                resource.id,
                participant_ids,
                consent_id,
            )

    return make


@pytest.fixture
def create_team(app):
    """Factory: ``create_team([(account, "permanent"), ...])`` -> (team id, member ids)."""
    from datetime import date, time

    from fallteam.teams import operations as teams

    def make(members=()) -> tuple[uuid.UUID, list[uuid.UUID]]:
        with app.app_context():
            team = teams.create_team(
                name=f"Fallteam {secrets.token_hex(3)}",
                region="Teltow",
                rhythm="weekly",
                weekday=2,
                start_time=time(9, 0),
                duration_minutes=180,
                place="Rathaus",
                registration_deadline_days=1,
                rhythm_anchor=date(2027, 1, 6),
            )
            ids = [
                teams.add_member(team, db.session.get(User, a.id), kind=kind).id
                for a, kind in members
            ]
            db.session.commit()
            return team.id, ids

    return make


# --- sessions ------------------------------------------------------------------------------


@dataclass
class SampleMeeting:
    """Ids of a session made for a test: the meeting, one registered item and its parts."""

    meeting_id: uuid.UUID
    item_id: uuid.UUID
    guest_ids: list[uuid.UUID]
    document_id: uuid.UUID


QUESTION = "Wie kann die Mutter beim Übergang von Kind 1 in die Schule unterstützt werden?"
PRESENTATION = "Die Mutter lebt mit beiden Kindern allein; der Vater sieht die Kinder selten."


@pytest.fixture
def create_meeting(app):
    """Factory: ``create_meeting(team_id, case, moderator=account, guests=[account])``.

    A planned session of the team a week ahead (or ``starts``), moderated by ``moderator``
    (published), with ``case`` registered by its case manager (method, question,
    presentation, one PDF document), and ``guests`` invited to that item; ``invited=True``
    opens their window now, as the sent invitation does.
    """
    from datetime import timedelta

    from fallteam.cases.models import Case
    from fallteam.core.models import utcnow
    from fallteam.meetings.models import AgendaGuest, Meeting
    from fallteam.meetings.operations import agenda, windows

    def make(
        team_id: uuid.UUID,
        case: SampleCase,
        *,
        moderator: Account | None = None,
        guests=(),
        starts=None,
        invited: bool = True,
    ) -> SampleMeeting:
        with app.app_context():
            now = utcnow()
            starts_dt = starts or (now + timedelta(days=7)).replace(microsecond=0)
            meeting = Meeting(
                team_id=team_id,
                starts_dt=starts_dt,
                ends_dt=starts_dt + timedelta(hours=3),
                place="Rathaus, Raum 2.14",
                moderator_id=moderator.id if moderator else None,
                moderation_published=moderator is not None,
            )
            db.session.add(meeting)
            db.session.flush()
            case_row = db.session.get(Case, case.id)
            item = agenda.register_case_for_meeting(
                case_row,
                meeting,
                agenda.Registration(
                    method="kollegiale_beratung",
                    question=QUESTION,
                    presentation=PRESENTATION,
                    expected_minutes=45,
                ),
                actor=db.session.get(User, case_row.case_manager_id),
                now=now,
            )
            guest_ids = []
            # the presenter confirms presenting pseudonymised to guests no consent covers
            item.pseudonymised_confirmed = bool(guests)
            for account in guests:
                guest = AgendaGuest(item_id=item.id, user_id=account.id)
                item.guests.append(guest)
                db.session.flush()
                if invited:
                    windows.open_guest_window(guest, now=now - timedelta(minutes=1))
                guest_ids.append(guest.id)
            document = agenda.add_document(item, filename="ressourcen.pdf", content=PDF)
            db.session.commit()
            return SampleMeeting(meeting.id, item.id, guest_ids, document.id)

    return make
