"""Loading the demo data on first start."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from fallteam.auth import operations as accounts
from fallteam.auth.models import Institution, User
from fallteam.cases import operations as cases
from fallteam.cases.models import Case
from fallteam.consent import operations as consents
from fallteam.core.models import utcnow
from fallteam.demo.data import (
    DEMO_ADDENDUM,
    DEMO_BACKGROUND,
    DEMO_CLOSED_FAMILY,
    DEMO_CLOSED_YEARS_AGO,
    DEMO_FAMILY,
    DEMO_FILE_NUMBER,
    DEMO_MORE_CASES,
    DEMO_PAST_FAMILY,
    DEMO_PAST_PRESENTATION,
    DEMO_PAST_PROTOCOLS,
    DEMO_PAST_QUESTION,
    DEMO_PRESENTATION,
    DEMO_QUESTION,
    DEMO_REGIONAL_TOPIC,
    DEMO_RESUBMISSION_TOPIC,
    DEMO_TEAM,
    DEMO_TEAM_MEMBERS,
    DEMO_TEAM_NOTES,
    DEMO_TOPIC_NOTES,
    DEMO_USERS,
)
from fallteam.extensions import db
from fallteam.meetings import rules
from fallteam.meetings.models import AgendaItem, Meeting, Method, Presence
from fallteam.meetings.operations import agenda, invitations, run, topics
from fallteam.meetings.operations import schedule as meetings
from fallteam.protocols import operations as protocols
from fallteam.resubmissions.operations import agree_in_protocol
from fallteam.retention import rules as retention
from fallteam.teams import operations as teams
from fallteam.teams.models import MemberKind, Rhythm, Team


def load_demo_users() -> list[User]:
    """Create the demo accounts that do not exist yet, ready to use (second factor set up)."""
    created = []
    for demo in DEMO_USERS:
        if accounts.find_user_by_username(demo.username) is not None:
            continue
        user, _ = accounts.create_user(
            username=demo.username,
            display_name=demo.display_name,
            email=demo.email,
            roles=list(demo.roles),
            institution=_institution(demo.institution),
        )
        accounts.set_password(user, demo.password, chosen_by_user=True)
        accounts.start_second_factor_setup(user)
        user.totp_confirmed = True
        created.append(user)
    return created


def _institution(name: str | None) -> Institution | None:
    """A seeded institution by its name (the demo knows the names it was seeded with)."""
    if name is None:
        return None
    return db.session.scalars(select(Institution).where(Institution.name == name)).one()


def _members(family) -> list[cases.MemberData]:
    return [
        cases.MemberData(
            role=role,
            sex=sex,
            first_name=first,
            last_name=last,
            birth_date=date.fromisoformat(born),
            address=address,
            in_household=household,
            is_index=index,
        )
        for role, sex, first, last, born, address, household, index in family
    ]


def load_demo_case() -> Case | None:
    """A case of the demo Fachkraft with genogram, resource map and two consents (one in
    force for the team, one revoked for the Jobcenter). Made once; the team and the guest
    see it through next week's session (``load_demo_team``)."""
    fachkraft = accounts.find_user_by_username("fachkraft")
    if fachkraft is None or db.session.scalar(
        select(Case.id).where(Case.case_manager_id == fachkraft.id)
    ):
        return None
    case = cases.register_case(
        fachkraft,
        category="hze",
        child_protection=False,
        file_number=DEMO_FILE_NUMBER,
        members=_members(DEMO_FAMILY),
    )
    mother, father, mia, paul = case.members
    cases.add_relation(case, "separated", mother, father)
    for parent in (mother, father):
        for child in (mia, paul):
            cases.add_relation(case, "parent_of", parent, child)
    for label, kind, quality in (
        ("Großmutter Renate (mütterlicherseits)", "person", "strong"),
        ("Grundschule am Fliederweg", "institution", "strained"),
        ("Kita Pusteblume", "institution", "strong"),
        ("Erziehungsberatungsstelle", "service", "weak"),
        ("Vater", "person", "ambivalent"),
    ):
        cases.add_resource(case, kind=kind, quality=quality, label=label)
    cases.set_background(case, DEMO_BACKGROUND)
    now = utcnow()
    member = accounts.find_user_by_username("mitglied")
    in_force = consents.ConsentData(
        grantor=mother,
        grantor_capacity="sorgeberechtigt",
        custody_for=[mia, paul],
        recipients=[{"type": "participant_kind", "value": "member"}]
        + ([{"type": "user", "value": str(member.id)}] if member else []),
        purposes=["fallberatung"],
        data_categories=["identity"],
        valid_from=now.date() - timedelta(days=14),
        valid_until=now.date() + timedelta(days=20),
        form="schriftlich",
        document=DEMO_DOCUMENT,
        document_name="Entbindung-Mutter.pdf",
    )
    consents.record_consent(case, in_force, actor=fachkraft)
    jobcenter = consents.ConsentData(
        grantor=mother,
        grantor_capacity="sorgeberechtigt",
        custody_for=[mia, paul],
        recipients=[{"type": "institution", "value": str(_institution("Jobcenter/MAIA").id)}],
        purposes=["fallberatung"],
        data_categories=["identity", "address", "finances"],
        valid_from=now.date() - timedelta(days=60),
        valid_until=None,
        form="muendlich_zeuge",
        witness="Hr. Albers (Jugendarbeit)",
    )
    revoked = consents.record_consent(case, jobcenter, actor=fachkraft)
    consents.revoke_consent(
        case,
        revoked,
        revoked_on=now.date() - timedelta(days=3),
        received_by=fachkraft,
        note="telefonisch",
        actor=fachkraft,
    )
    return case


#: A minimal valid PDF standing in for the scanned, signed form.
DEMO_DOCUMENT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
    b"/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _user(username: str) -> User:
    user = accounts.find_user_by_username(username)
    if user is None:
        raise RuntimeError(f"Demo-Konto {username} fehlt; zuerst die Konten laden.")
    return user


def next_week_wednesday(today: date) -> date:
    """The Wednesday of the calendar week after ``today``'s."""
    return today - timedelta(days=today.weekday()) + timedelta(days=7 + 2)


def load_demo_team() -> Team | None:
    """The demo Fallteam: six permanent members, sessions and a published moderation plan
    for six months, and next week's session with three registered cases — the first demo
    family with the Jobcenter guest, whom no consent covers (the presenter confirmed a
    pseudonymised presentation) — and its invitation queued for sending. Made once."""
    if db.session.scalar(select(Team.id).where(Team.name == DEMO_TEAM)):
        return None
    today = utcnow().date()
    meeting_day = next_week_wednesday(today)
    team = teams.create_team(
        name=DEMO_TEAM,
        region="Mittelbereich Teltow",
        rhythm=Rhythm.WEEKLY,
        weekday=2,
        start_time=time(9, 0),
        duration_minutes=180,
        place="Jugendamt Teltow, Raum 2.14",
        registration_deadline_days=1,
        rhythm_anchor=last_week_wednesday(today),
    )
    for username in DEMO_TEAM_MEMBERS:
        teams.add_member(team, _user(username), kind=MemberKind.PERMANENT)
    meetings.generate_meetings(team, start=today, until=today + timedelta(days=183))
    now = utcnow()
    meetings.plan_moderation(team, now=now)
    planned = meetings.upcoming_meetings(team, after=now)
    session = next(m for m in planned if rules.meeting_day(m) == meeting_day)
    # The demo member moderates next week, so the moderator's pages can be tried with it.
    moderator = _user(DEMO_TEAM_MEMBERS[0])
    if session.moderator_id != moderator.id:
        other = next(m for m in planned if m.moderator_id == moderator.id)
        meetings.swap_moderators(session, other)
    meetings.publish_moderation(team, now=now)

    fachkraft = _user("fachkraft")
    first = db.session.scalar(select(Case).where(Case.case_manager_id == fachkraft.id))
    item = agenda.register_case_for_meeting(
        first,
        session,
        agenda.Registration(
            method=Method.COLLEGIAL,
            question=DEMO_QUESTION,
            presentation=DEMO_PRESENTATION,
            expected_minutes=45,
        ),
        actor=fachkraft,
        now=now,
    )
    agenda.add_guest(item, _user("gast"), now=now)
    item.pseudonymised_confirmed = True
    yilmaz = _user("yilmaz")
    for category, family, method, minutes, question, presentation in DEMO_MORE_CASES:
        case = cases.register_case(
            yilmaz,
            category=category,
            child_protection=False,
            file_number=None,
            members=_members(family),
        )
        agenda.register_case_for_meeting(
            case,
            session,
            agenda.Registration(method, question, presentation, minutes),
            actor=yilmaz,
            now=now,
        )
    invitations.send_invitation(session, now=now)
    return team


def last_week_wednesday(today: date) -> date:
    """The Wednesday of the calendar week before ``today``'s (always in the past)."""
    return next_week_wednesday(today) - timedelta(days=14)


def _past_meeting(team: Team, day: date) -> Meeting:
    existing = db.session.scalars(select(Meeting).where(Meeting.team_id == team.id)).all()
    meeting = next((m for m in existing if rules.meeting_day(m) == day), None)
    if meeting is None:
        (meeting,) = meetings.generate_meetings(team, start=day, until=day)
    return meeting


def _hold_item(
    meeting: Meeting, item: AgendaItem, *, writer: User, start, minutes: int, late: User | None
) -> None:
    """The item as it went in the room: everyone present (``late`` came late), the clock ran
    ``minutes``, ``writer`` wrote the protocol."""
    run.assign_writer(meeting, item, writer)
    for username in DEMO_TEAM_MEMBERS:
        user = _user(username)
        presence = Presence.LATE if late is not None and user.id == late.id else Presence.PRESENT
        run.mark_item_attendance(meeting, item, user, presence)
    run.start_clock(meeting, item, now=start)
    run.stop_clock(meeting, item, now=start + timedelta(minutes=minutes))


def load_demo_past_session() -> Meeting | None:
    """Last week's session of the demo team as it was held: moderated by the demo member, two
    cases discussed (the first demo family and a third family of Hr. Yilmaz), per-item
    attendance, the clock's actual times, a topic for the Regionalteam, both Fallprotokolle
    written and submitted, the Teamprotokoll finalised with them (one Fallprotokoll got an
    addendum afterwards), and the Wiedervorlage agreed for the third family, which puts it on
    next week's agenda. Made once."""
    team = db.session.scalar(select(Team).where(Team.name == DEMO_TEAM))
    if team is None:
        return None
    today = rules.local_day(utcnow())
    meeting = _past_meeting(team, last_week_wednesday(today))
    if db.session.scalar(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id)):
        return None
    moderator, fachkraft, yilmaz = _user("mitglied"), _user("fachkraft"), _user("yilmaz")
    meeting.moderator_id = moderator.id
    registered = meeting.starts_dt - timedelta(days=5)
    hollerbach = db.session.scalars(
        select(Case).where(Case.case_manager_id == fachkraft.id).order_by(Case.created_dt)
    ).first()
    kessler = cases.register_case(
        yilmaz,
        category="hze",
        child_protection=False,
        file_number=None,
        members=_members(DEMO_PAST_FAMILY),
    )
    first = agenda.register_case_for_meeting(
        hollerbach,
        meeting,
        agenda.Registration(Method.COLLEGIAL, DEMO_QUESTION, DEMO_PRESENTATION, 45),
        actor=fachkraft,
        now=registered,
    )
    second = agenda.register_case_for_meeting(
        kessler,
        meeting,
        agenda.Registration(Method.COLLEGIAL, DEMO_PAST_QUESTION, DEMO_PAST_PRESENTATION, 40),
        actor=yilmaz,
        now=registered,
    )
    title, text = DEMO_REGIONAL_TOPIC
    topic = topics.register_topic(
        meeting, title=title, text=text, for_regional_team=True, actor=yilmaz, now=registered
    )
    for username in DEMO_TEAM_MEMBERS:
        run.mark_attendance(meeting, _user(username), present=True)
    start = meeting.starts_dt + timedelta(minutes=5)
    writers = {first.id: _user("schulte"), second.id: _user("nowak")}
    _hold_item(
        meeting, first, writer=writers[first.id], start=start, minutes=48, late=_user("krueger")
    )
    _hold_item(
        meeting,
        second,
        writer=writers[second.id],
        start=start + timedelta(minutes=55),
        minutes=37,
        late=None,
    )
    written = {}
    for item, family in ((first, "Hollerbach"), (second, "Kessler")):
        writer = writers[item.id]
        protocol = protocols.open_protocol(item, writer)
        protocols.save_draft(protocol, DEMO_PAST_PROTOCOLS[family], protocol.version, writer)
        if item is second:
            # agreed in the room: the case comes back next week (Teamprotokoll, agenda)
            agree_in_protocol(
                protocol, next_week_wednesday(today), DEMO_RESUBMISSION_TOPIC, yilmaz, writer
            )
        protocols.submit(protocol, writer)
        written[item.id] = protocol
    protocols.save_team_notes(meeting, DEMO_TEAM_NOTES, {topic.id: DEMO_TOPIC_NOTES}, moderator)
    protocols.finalise_session(meeting, moderator)
    protocols.add_addendum(written[first.id], *DEMO_ADDENDUM, fachkraft)
    return meeting


def load_demo_closed_case() -> Case | None:
    """A "sonstiger Fall" of Hr. Yilmaz, closed six years ago: its deletion date (closing day
    plus five years) has passed, so the retention run proposes it (``flask retention run
    --dry-run`` lists it). Made once."""
    yilmaz = accounts.find_user_by_username("yilmaz")
    if yilmaz is None or db.session.scalar(
        select(Case.id).where(Case.case_manager_id == yilmaz.id, Case.closed_on.is_not(None))
    ):
        return None
    case = cases.register_case(
        yilmaz,
        category="sonstige",
        child_protection=False,
        file_number=None,
        members=_members(DEMO_CLOSED_FAMILY),
    )
    closed_on = retention.add_years(retention.today(), -DEMO_CLOSED_YEARS_AGO)
    # worked on for two years before it was closed (a case cannot close before it began)
    case.created_dt = rules.day_start(retention.add_years(closed_on, -2))
    cases.close_case(
        case,
        closed_on=closed_on,
        reason="ziel_erreicht",
        note=None,
        actor=yilmaz,
    )
    return case
