"""Fixtures of the fuzz tests: one sample world per test (the route × role test's objects),
a principal signed in to act in it, a savepoint per generated example, a snapshot of every
table but the audit log's, and the errors the application logged as unhandled."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import Connection, select

from fallteam.extensions import db, limiter
from tests.access.route_table import PRINCIPAL_ROLES
from tests.access.test_route_authorization import (
    SESSION_BEGUN,
    _begin,
    _deletion_records,
    _feed_token,
    _protocol,
    _resubmission,
    _sample_values,
    _team_protocol_deletion_records,
    _topic,
)
from tests.conftest import GESUNDHEITSAMT, Account, sign_in, submit_password

#: tables whose rows a refused request may still add: the audit log and its chain, and the
#: sign-in failures a wrong password or code is counted in (the lockout's memory)
MAY_CHANGE_ON_REFUSAL = frozenset(
    {
        "audit_events",
        "audit_chain_head",
        "audit_checkpoints",
        "audit_verifications",
        "sign_in_failures",
    }
)

#: principals beyond the route table's: halfway through signing in (password given), with a
#: second factor to enter or to set up
PENDING, PENDING_SETUP = "pending", "pending_setup"


@dataclass
class World:
    """The sample objects of one test, the URL values that reach them and the actor."""

    app: Flask
    values: dict
    principal: str
    account: Account | None
    cookies: list[tuple[str, str]] = field(default_factory=list)

    def url(self, endpoint: str) -> str:
        """The endpoint's URL for the sample objects."""
        rule = next(r for r in self.app.url_map.iter_rules() if r.endpoint == endpoint)
        values = {k: v for k, v in self.values.items() if k in rule.arguments}
        with self.app.test_request_context():
            return url_for(endpoint, **values)

    def client(self) -> FlaskClient:
        """A client signed in (or halfway) as the principal, with its own cookie jar: what
        one example does to the session (sign-out, language) does not reach the next."""
        client = self.app.test_client()
        for name, value in self.cookies:
            client.set_cookie(name, value)
        return client


@pytest.fixture
def world(app, create_account, create_case, create_team, create_meeting, institution_id):
    """Factory: ``world(endpoint, principal)`` builds the route × role test's sample objects
    (one world for every principal: ``fachkraft`` owns the case, ``member`` moderates the
    session, writes the Fallprotokoll and takes part in the case, ``guest`` is the item's
    invited guest) and signs the principal in."""

    def make(endpoint: str, principal: str) -> World:
        owner = create_account(["fachkraft"])
        team_member = create_account(["member"])
        item_guest = create_account(["guest"])
        target = create_account(["member"])
        case = create_case(
            owner,
            participants=[
                (team_member, "member"),
                (item_guest, "guest"),
            ],
            consent={"recipients": [{"type": "participant_kind", "value": "guest"}]},
        )
        team = create_team([(team_member, "permanent")])
        session = create_meeting(team[0], case, moderator=team_member, guests=[item_guest])
        if endpoint in SESSION_BEGUN:
            _begin(app, session.meeting_id)
        values = _sample_values(
            target.id,
            case,
            team,
            session,
            _feed_token(app, target.id),
            institution_id(GESUNDHEITSAMT),
        )
        values["resubmission_id"] = _resubmission(app, case, team[0], owner.id)
        values["protocol_id"] = _protocol(app, session.item_id, team_member.id, endpoint)
        values["topic_id"] = _topic(app, session.meeting_id, team_member.id)
        values["proposal_id"], values["certificate_id"] = _deletion_records(app, case)
        values["team_proposal_id"], values["team_certificate_id"] = _team_protocol_deletion_records(
            app, session.meeting_id
        )
        if endpoint.startswith("cases."):
            values["member_id"] = case.member_ids[0]  # a family member, not a team member
        known = {"fachkraft": owner, "member": team_member, "guest": item_guest}
        if principal in known:
            account = known[principal]
        elif principal == PENDING_SETUP:
            account = create_account(["fachkraft"], second_factor=False)
        elif principal == PENDING:
            account = create_account(["fachkraft"])
        elif principal == "anonymous":
            account = create_account(["fachkraft"])  # not signed in; its name is the sample
        else:
            account = create_account(PRINCIPAL_ROLES[principal])
        client = app.test_client()
        if principal in (PENDING, PENDING_SETUP):
            assert submit_password(client, account.username, account.password).status_code == 302
        elif principal != "anonymous":
            sign_in(client, app, account)
        cookies = [(c.key, c.value) for c in client._cookies.values()]
        return World(app, values, principal, account, cookies)

    return make


@pytest.fixture
def savepoint(app):
    """``with savepoint():`` — what happens inside is rolled back at its end, so every
    generated example starts from the same database (the test's own outer transaction holds
    the sample world)."""

    @contextmanager
    def rolled_back() -> Iterator[Connection]:
        with app.app_context():
            connection = db.session.get_bind()
        nested = connection.begin_nested()
        limiter.reset()
        try:
            yield connection
        finally:
            nested.rollback()

    return rolled_back


def snapshot(connection: Connection) -> dict[str, str]:
    """A digest of every table's rows but the audit log's (table -> SHA-256 of its rows)."""
    digests = {}
    for table in db.metadata.sorted_tables:
        if table.name in MAY_CHANGE_ON_REFUSAL:
            continue
        rows = sorted(repr(tuple(row)) for row in connection.execute(select(table)))
        digests[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def changed_rows(connection: Connection, before: dict[str, dict]) -> dict[str, list]:
    """Rows (as tuples) of each table that were not there in ``before`` (new or changed)."""
    changed = {}
    for name, rows in all_rows(connection).items():
        new = [row for key, row in rows.items() if key not in before.get(name, {})]
        if new:
            changed[name] = new
    return changed


def all_rows(connection: Connection) -> dict[str, dict]:
    """Every row of every table but the audit log's (table -> repr -> row)."""
    return {
        table.name: {repr(tuple(row)): tuple(row) for row in connection.execute(select(table))}
        for table in db.metadata.sorted_tables
        if table.name not in MAY_CHANGE_ON_REFUSAL
    }


def saved_objects(app: Flask, changed: dict[str, list]) -> list[object]:
    """The ORM objects of changed rows, loaded (and decrypted) through the models."""
    mappers = {m.local_table.name: m for m in db.Model.registry.mappers}
    objects = []
    with app.app_context():
        for name, rows in changed.items():
            mapper = mappers.get(name)
            if mapper is None or len(mapper.primary_key) != 1:
                continue
            table = mapper.local_table
            position = list(table.columns).index(mapper.primary_key[0])
            for row in rows:
                key = row[position]
                obj = db.session.get(mapper.class_, key if not isinstance(key, str) else _id(key))
                if obj is not None:
                    objects.append(
                        {
                            attr.key: getattr(obj, attr.key)
                            for attr in mapper.column_attrs
                            if isinstance(getattr(obj, attr.key), str)
                        }
                    )
    return objects


def _id(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        return value


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged_errors(app) -> Iterator[list[logging.LogRecord]]:
    """The errors the application logs (an unhandled exception is logged before its 500)."""
    collector = _Collector()
    app.logger.addHandler(collector)
    try:
        yield collector.records
    finally:
        app.logger.removeHandler(collector)
