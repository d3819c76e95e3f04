"""The demo commands work only in the demo instance."""

from __future__ import annotations

import pyotp
import pytest

from fallteam.auth.operations import find_user_by_username


@pytest.mark.settings(FALLTEAM_DEMO=True, FALLTEAM_ENV="development")
def test_demo_load_is_idempotent_and_totp_prints_the_current_code(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert "9 Konten neu angelegt" in first.output
    assert "0 Konten neu angelegt" in runner.invoke(args=["demo", "load"]).output
    code = runner.invoke(args=["demo", "totp", "fachkraft"]).output.strip()
    with app.app_context():
        secret = find_user_by_username("fachkraft").totp_secret
    assert pyotp.TOTP(secret).verify(code, valid_window=1)
    logins = runner.invoke(args=["demo", "logins"]).output
    for name in ("fachkraft", "mitglied", "gast", "dsb", "admin"):
        assert name in logins


@pytest.mark.settings(FALLTEAM_DEMO=True, FALLTEAM_ENV="production")
def test_demo_commands_refuse_in_production_mode(app):
    result = app.test_cli_runner().invoke(args=["demo", "totp", "fachkraft"])
    assert result.exit_code != 0
    assert "Nur in der Demo-Instanz" in result.output


@pytest.mark.settings(FALLTEAM_DEMO=False)
def test_demo_commands_refuse_outside_the_demo_instance(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0


@pytest.mark.settings(FALLTEAM_DEMO=True, FALLTEAM_ENV="development")
def test_the_demo_case_shows_the_guest_only_pseudonym_and_role_labels(app):
    from sqlalchemy import select

    from fallteam.cases.models import Case
    from fallteam.consent.models import Consent
    from fallteam.consent.queries import PSEUDONYMISED_FIELDS, consent_state, visible_fields
    from fallteam.extensions import db

    assert "Demo-Fall FT-" in app.test_cli_runner().invoke(args=["demo", "load"]).output
    with app.app_context():
        fachkraft = find_user_by_username("fachkraft")
        case = db.session.scalars(select(Case).where(Case.case_manager_id == fachkraft.id)).one()
        assert len(case.members) == 4 and len(case.relations) == 5
        versions = db.session.scalars(select(Consent).where(Consent.case_id == case.id)).all()
        assert sorted(consent_state(c, versions) for c in versions) == ["in Kraft", "widerrufen"]
        assert visible_fields(find_user_by_username("gast"), case) == PSEUDONYMISED_FIELDS
        seen = visible_fields(find_user_by_username("mitglied"), case)
        mother, father, first, second = case.members
        # the mother released herself and the children; the father stays "Vater"
        assert all("member_names" in seen.of(m.id) for m in (mother, first, second))
        assert seen.of(father.id) == frozenset()
        assert visible_fields(find_user_by_username("dsb"), case) == frozenset()


@pytest.mark.settings(FALLTEAM_DEMO=True, FALLTEAM_ENV="development")
def test_the_demo_team_meets_next_week_with_three_cases_and_a_queued_invitation(app):
    from datetime import timedelta

    from sqlalchemy import select

    from fallteam.core.models import utcnow
    from fallteam.demo.operations import next_week_wednesday
    from fallteam.extensions import db
    from fallteam.mail.models import OutgoingMail
    from fallteam.meetings.models import Meeting
    from fallteam.meetings.queries.agenda import items_of, uncovered_guests, unfinished_reasons
    from fallteam.meetings.rules import office_zone
    from fallteam.teams.models import Team

    output = app.test_cli_runner().invoke(args=["demo", "load"]).output
    assert "Fallteam Teltow" in output
    with app.app_context():
        team = db.session.scalars(select(Team).where(Team.name == "Fallteam Teltow")).one()
        assert [m.kind for m in team.members] == ["permanent"] * 6
        upcoming = db.session.scalars(
            select(Meeting)
            .where(Meeting.team_id == team.id, Meeting.starts_dt > utcnow())
            .order_by(Meeting.starts_dt)
        ).all()
        assert all(m.moderator_id and m.moderation_published for m in upcoming)
        assert upcoming[-1].starts_dt.date() >= utcnow().date() + timedelta(days=175)
        day = next_week_wednesday(utcnow().date())
        session = next(m for m in upcoming if m.starts_dt.astimezone(office_zone()).date() == day)
        assert session.moderator_id == find_user_by_username("mitglied").id
        items = items_of(session)
        assert len(items) == 3
        with_guest = [i for i in items if i.guests]
        assert len(with_guest) == 1 and uncovered_guests(with_guest[0])
        assert with_guest[0].pseudonymised_confirmed and not unfinished_reasons(with_guest[0])
        queued = db.session.scalars(
            select(OutgoingMail).where(
                OutgoingMail.meeting_id == session.id, OutgoingMail.kind == "invitation"
            )
        ).all()
        assert queued and all(m.status == "pending" for m in queued)
        assert session.invitation_sent_dt is not None
    assert "0 Konten neu angelegt" in app.test_cli_runner().invoke(args=["demo", "load"]).output


@pytest.mark.settings(FALLTEAM_DEMO=True, FALLTEAM_ENV="development")
def test_the_demo_has_last_weeks_session_held_with_finalised_protocols(app, tmp_path):
    from sqlalchemy import select

    from fallteam.core.models import utcnow
    from fallteam.demo.operations import last_week_wednesday, next_week_wednesday
    from fallteam.extensions import db
    from fallteam.meetings.models import AgendaItem, AgendaTopic, Meeting
    from fallteam.meetings.rules import local_day, meeting_day
    from fallteam.protocols.models import CaseProtocol, ProtocolStatus, TeamProtocol
    from fallteam.protocols.operations import make_excerpt
    from fallteam.protocols.rules import content_hash
    from fallteam.resubmissions.queries import due_resubmissions

    output = app.test_cli_runner().invoke(args=["demo", "load"]).output
    assert "Sitzung der letzten Woche" in output
    with app.app_context():
        today = local_day(utcnow())
        meetings = db.session.scalars(select(Meeting)).all()
        past = next(m for m in meetings if meeting_day(m) == last_week_wednesday(today))
        items = db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == past.id)).all()
        assert len(items) == 2 and all(i.elapsed_seconds > 0 and i.writer_id for i in items)
        protocols = db.session.scalars(
            select(CaseProtocol).where(CaseProtocol.item_id.in_([i.id for i in items]))
        ).all()
        assert len(protocols) == 2
        for protocol in protocols:
            assert protocol.status == ProtocolStatus.FINALISED
            item = protocol.item
            assert protocol.content_hash == content_hash(item.id, item.method, protocol.sections)
        assert sum(len(p.addenda) for p in protocols) == 1
        sealed = db.session.scalars(
            select(TeamProtocol).where(TeamProtocol.meeting_id == past.id)
        ).one()
        assert sealed.locked and len(sealed.content_hash) == 64
        fachkraft = find_user_by_username("fachkraft")
        own = next(p for p in protocols if p.item.case.case_manager_id == fachkraft.id)
        _record, pdf = make_excerpt(own, fachkraft, real_names=False, instance="Demo")
        db.session.commit()
        topic = db.session.scalars(
            select(AgendaTopic).where(AgendaTopic.meeting_id == past.id)
        ).one()
        assert topic.for_regional_team
        coming = next(m for m in meetings if meeting_day(m) == next_week_wednesday(today))
        due = due_resubmissions(coming)
        assert len(due) == 1
    excerpt = tmp_path / "auszug.pdf"
    excerpt.write_bytes(pdf)
    verified = app.test_cli_runner().invoke(args=["protocols", "verify-excerpt", str(excerpt)])
    assert verified.exit_code == 0, verified.output
    assert "0 Konten neu angelegt" in app.test_cli_runner().invoke(args=["demo", "load"]).output


@pytest.mark.settings(FALLTEAM_DEMO=True, FALLTEAM_ENV="development")
def test_the_demo_has_a_case_past_its_deletion_date_that_the_dry_run_lists(app):
    from sqlalchemy import select

    from fallteam.cases.models import Case
    from fallteam.extensions import db
    from fallteam.retention.models import DeletionProposal
    from fallteam.retention.rules import today

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        closed = db.session.scalars(select(Case).where(Case.closed_on.is_not(None))).one()
        assert closed.category == "sonstige"
        assert closed.deletion_due_on < today()
        pseudonym = closed.pseudonym
    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"würde zur Löschung vorschlagen: {pseudonym}" in dry.output
    with app.app_context():
        assert db.session.scalars(select(DeletionProposal)).all() == []
    # loading again adds no second closed case
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        assert len(db.session.scalars(select(Case).where(Case.closed_on.is_not(None))).all()) == 1


@pytest.mark.settings(FALLTEAM_DEMO=True, FALLTEAM_ENV="development")
def test_the_dpo_opens_a_demo_cases_access_report_and_the_record_of_processing(app):
    from sqlalchemy import select

    from fallteam.cases.models import Case
    from fallteam.demo.data import DEMO_USERS
    from fallteam.extensions import db
    from tests.conftest import Account, sign_in

    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    demo = {user.username: user for user in DEMO_USERS}
    with app.app_context():
        dsb = find_user_by_username("dsb")
        account = Account(dsb.id, "dsb", demo["dsb"].password, dsb.totp_secret, ["dpo"])
        owner = find_user_by_username("fachkraft")
        case = db.session.scalars(select(Case).where(Case.case_manager_id == owner.id)).one()
        pseudonym, family_name = case.pseudonym, case.members[0].last_name
    client = app.test_client()
    sign_in(client, app, account)

    report = client.get(f"/datenschutz/faelle/{pseudonym}")
    html = report.get_data(as_text=True)
    assert report.status_code == 200
    # last week's session: the moderator, the writer and the case manager worked on the case
    assert 'data-testid="report-person"' in html and owner.display_name in html
    assert family_name not in html
    record = client.get("/datenschutz/verarbeitungsverzeichnis")
    assert record.status_code == 200
    assert "Verzeichnis von Verarbeitungstätigkeiten" in record.get_data(as_text=True)
    assert client.get("/datenschutz/verarbeitungsverzeichnis.pdf").status_code == 200
