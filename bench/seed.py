"""Scale data: Fachkräfte, families, teams, sessions, Fallprotokolle, Wiedervorlagen, audit log.

Run: ``.venv/bin/python bench/seed.py --cases 10000 --sessions 2000 --audit-events 1000000``
(a SQLite file in a work directory it prints; ``--database-url`` or ``DATABASE_URL`` for
PostgreSQL, whose database must exist and be empty). Everything but the bulk of the audit log
goes through the app's own operations, so encrypted fields are sealed by the real crypto and
every change leaves its audit event; the rest of the log (up to ``--audit-events`` events in
all) is appended through the real chain writer (``audit.operations.write_events``), as a busy
year of reading would leave it. While sessions are filled, the re-identification guard is
not asked about the seed's constant texts and a team's windows are opened with one flush
(``_fast_operations``: the same rows and events, ``test_bench_seed`` compares).
Deterministic from ``--seed``: the same seed gives the same families, cases, sessions,
protocols and log (ids and timestamps differ).

``--baseline`` fills a plaintext copy for ``bench/pages.py``: the same generated data with
``BENCHMARK_PLAINTEXT_BASELINE`` on (encrypted columns hold plaintext, the operations write
no audit event); its log of the same size is generated throughout.

It prints its rates and writes ``manifest.json`` into the work directory: accounts, their
password and TOTP secrets, and the ids of the pages ``bench/pages.py`` opens.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bench.common import (  # noqa: E402
    ASD,
    PASSWORD,
    add_account,
    family,
    institution_named,
    make_app,
    seed_events,
)
from fallteam import access  # noqa: E402
from fallteam.audit.models import AuditAction, AuditEvent  # noqa: E402
from fallteam.audit.operations import record  # noqa: E402
from fallteam.auth import operations as accounts  # noqa: E402
from fallteam.auth.models import User  # noqa: E402
from fallteam.cases import operations as cases  # noqa: E402
from fallteam.cases.models import Case, CaseParticipant, ParticipantKind  # noqa: E402
from fallteam.consent import operations as consents  # noqa: E402
from fallteam.core.models import utcnow  # noqa: E402
from fallteam.extensions import db  # noqa: E402
from fallteam.meetings.models import AgendaItem, Meeting, Method  # noqa: E402
from fallteam.meetings.operations import agenda, run, windows  # noqa: E402
from fallteam.meetings.operations import schedule as meetings  # noqa: E402
from fallteam.meetings.rules import local_day, meeting_day_end  # noqa: E402
from fallteam.protocols import operations as protocols  # noqa: E402
from fallteam.protocols.models import CaseProtocol, TeamProtocol  # noqa: E402
from fallteam.protocols.rules import sections_for  # noqa: E402
from fallteam.resubmissions import operations as resubmissions  # noqa: E402
from fallteam.resubmissions.models import Resubmission  # noqa: E402
from fallteam.teams import operations as teams  # noqa: E402
from fallteam.teams.models import MemberKind, Rhythm, Team, TeamMember  # noqa: E402

BATCH = 100  # operations per commit
#: texts without a name, address or date of the families (the re-identification guard)
QUESTIONS = [
    "Wie kann die Mutter das Kind beim regelmäßigen Schulbesuch unterstützen?",
    "Welche Hilfe passt, nachdem die ambulante Hilfe endet?",
    "Wie lässt sich der Kontakt zum Vater für die Kinder verlässlich gestalten?",
    "Was braucht die Familie, um die Tagesstruktur zu halten?",
]
PRESENTATION = (
    "Alleinerziehende Mutter mit zwei Kindern; seit der Trennung Überforderung im Alltag. "
    "Bisherige Hilfen: Erziehungsberatung, Schulsozialarbeit. Ressourcen: Großmutter, Kita."
)
SECTION_TEXT = (
    "Die Fachkraft schildert den bisherigen Verlauf; das Team sammelt Ideen und Hypothesen, "
    "vereinbart wird ein Gespräch mit der Schule und eine Rückmeldung in vier Wochen. "
)
#: cases in the order they were registered (pseudonyms count up; FT-2026-10000 after -9999),
#: the same in the audited database and its plaintext copy (never by an encrypted column)
IN_ORDER_OF_REGISTRATION = (func.length(Case.pseudonym), Case.pseudonym)
METHODS = [Method.COLLEGIAL, Method.COLLEGIAL, Method.PERSPECTIVE, Method.CONSTELLATION]


@dataclass
class Scale:
    cases: int
    sessions: int
    audit_events: int
    items: int = 4  # cases on each session's agenda
    past_share: float = 0.6  # sessions already held (with protocols)

    @property
    def fachkraefte(self) -> int:
        return max(4, self.cases // 50)

    @property
    def members(self) -> int:
        return max(2, self.fachkraefte // 4)

    @property
    def teams(self) -> int:
        return max(2, min(self.fachkraefte // 2, round(self.sessions / 80)))

    @property
    def star_cases(self) -> int:
        """The cases of the Fachkraft whose case list is measured."""
        return min(300, max(1, self.cases // 5))


@dataclass
class Seeded:
    accounts: dict[str, dict] = field(default_factory=dict)
    objects: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


class Timer:
    def __init__(self, seeded: Seeded, name: str) -> None:
        self.seeded, self.name = seeded, name

    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seeded.seconds[self.name] = time.perf_counter() - self.started


def seed_accounts(app, scale: Scale, seeded: Seeded) -> None:
    """The DPO, the Fachkräfte (owners of the cases) and members without cases."""
    with app.app_context():
        dpo, secret = add_account("dsb", ["dpo"])
        seeded.accounts["dpo"] = {"username": "dsb", "totp": secret, "id": str(dpo.id)}
        for i in range(scale.fachkraefte):
            user, secret = add_account(f"fachkraft{i}", ["fachkraft", "member"], ASD)
            if i == 0:
                seeded.accounts["fachkraft"] = {
                    "username": user.username,
                    "totp": secret,
                    "id": str(user.id),
                }
        for i in range(scale.members):
            add_account(f"mitglied{i}", ["member"], ASD)
        db.session.commit()
    seeded.counts["accounts"] = 1 + scale.fachkraefte + scale.members


def _users(prefix: str, count: int) -> list[User]:
    by_name = {
        u.username: u
        for u in db.session.scalars(select(User).where(User.username.like(f"{prefix}%")))
    }
    return [by_name[f"{prefix}{i}"] for i in range(count)]


def owner_index(n: int, scale: Scale) -> int:
    """Which Fachkraft owns case ``n``: the first ``star_cases`` are Fachkraft 0's."""
    if n < scale.star_cases:
        return 0
    return 1 + (n - scale.star_cases) % (scale.fachkraefte - 1)


def seed_cases(app, scale: Scale, seeded: Seeded, rng: random.Random) -> None:
    """The cases with their families (genogram relations), a third with a consent in force."""
    today = utcnow().date()
    made = 0
    while made < scale.cases:
        with app.app_context():
            owners = _users("fachkraft", scale.fachkraefte)
            jobcenter = str(institution_named("Jobcenter/MAIA").id)
            for _ in range(min(BATCH, scale.cases - made)):
                owner = owners[owner_index(made, scale)]
                size = rng.choice([2, 3, 4, 4])
                case = cases.register_case(
                    owner,
                    category=rng.choice(["hze", "hze", "sgb2", "sonstige"]),
                    child_protection=rng.random() < 0.1,
                    file_number=f"AZ-{made:06d}",
                    members=family(made, size=size),
                )
                mother, *others = case.members
                for child in others[1:]:
                    cases.add_relation(case, "parent_of", mother, child)
                if made % 3 == 0:
                    consents.record_consent(
                        case,
                        consents.ConsentData(
                            grantor=mother,
                            grantor_capacity="sorgeberechtigt",
                            recipients=[
                                {"type": "participant_kind", "value": "member"},
                                {"type": "institution", "value": jobcenter},
                            ],
                            purposes=["fallberatung"],
                            data_categories=["identity"],
                            valid_from=today - timedelta(days=rng.randint(10, 300)),
                            valid_until=today + timedelta(days=rng.randint(10, 400)),
                            form="schriftlich",
                        ),
                        actor=owner,
                    )
                made += 1
            db.session.commit()
    seeded.counts["cases"] = made


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def seed_teams(app, scale: Scale, seeded: Seeded) -> None:
    """Teams of Fachkräfte and members meeting weekly (team k on weekday k % 5); the sessions
    are ``past_share`` held and the rest still to come."""
    today = utcnow().date()
    per_team = [scale.sessions // scale.teams] * scale.teams
    for k in range(scale.sessions % scale.teams):
        per_team[k] += 1
    with app.app_context():
        fachkraefte = _users("fachkraft", scale.fachkraefte)
        members = _users("mitglied", scale.members)
        for k, count in enumerate(per_team):
            past_weeks = round(count * scale.past_share)
            first = _monday(today) - timedelta(weeks=past_weeks) + timedelta(days=k % 5)
            team = teams.create_team(
                name=f"Fallteam {k + 1:02d}",
                region=f"Region {k % 4 + 1}",
                rhythm=Rhythm.WEEKLY,
                weekday=k % 5,
                start_time=clock(9, 0),
                duration_minutes=180,
                place=f"Jugendamt, Raum {k + 1}.01",
                registration_deadline_days=1,
                rhythm_anchor=first,
            )
            for i, user in enumerate(fachkraefte):
                if i % scale.teams == k:
                    teams.add_member(team, user, kind=MemberKind.PERMANENT)
            for i, user in enumerate(members):
                if i % scale.teams == k:
                    teams.add_member(team, user, kind=MemberKind.PERMANENT)
            meetings.generate_meetings(team, start=first, until=first + timedelta(weeks=count - 1))
            db.session.commit()
    seeded.counts["teams"] = scale.teams


def _section_texts(method: str, rng: random.Random) -> dict[str, str]:
    return {key: SECTION_TEXT * rng.randint(1, 2) for key, _ in sections_for(method)}


def _no_identity_hits(text, persons) -> list:
    return []


def _nobody(case) -> list:
    # what the guard would be given: the family's names, decrypted (not needed without it)
    return []


def _grant_team_at_once(item: AgendaItem, *, actor: User, now: datetime) -> None:
    """``windows.grant_team`` with one flush and two queries instead of three statements a
    member: the same participation rows and the same audit events, in the same order, for the
    same members (the session's team on the session day, not the case manager, not anyone
    befangen, nobody whose window already lasts past the session day)."""
    meeting, case = item.meeting, item.case
    until = meeting_day_end(meeting)
    memberships = db.session.scalars(
        select(TeamMember).where(TeamMember.team_id == meeting.team_id)
    ).all()
    lasting = set(
        db.session.scalars(
            select(CaseParticipant.user_id).where(
                CaseParticipant.case_id == case.id, CaseParticipant.valid_until_dt >= until
            )
        )
    )
    granted = []
    for membership in memberships:
        user = db.session.get(User, membership.user_id)
        if (
            item.conflicted(user.id)
            or user.id == case.case_manager_id
            or user.id in lasting
            or not access.member_on_meeting_day(
                user, meeting, {meeting.team_id: [m for m in memberships if m.user_id == user.id]}
            )
        ):
            continue
        if not access.may_take_part_as(user, ParticipantKind.MEMBER):
            raise RuntimeError(f"{user.username} kann nicht als Mitglied teilnehmen")
        participant = CaseParticipant(
            case_id=case.id,
            user_id=user.id,
            kind=ParticipantKind.MEMBER,
            valid_from_dt=now,
            valid_until_dt=until,
            granted_by_id=actor.id,
        )
        db.session.add(participant)
        granted.append(participant)
    db.session.flush()
    for participant in granted:
        record(
            AuditAction.CREATE,
            participant,
            object_type="case_participant",
            case_pseudonym=case.pseudonym,
            details={"user": str(participant.user_id), "kind": ParticipantKind.MEMBER},
        )


@contextlib.contextmanager
def _fast_operations(fast: bool):
    """While sessions are filled: the re-identification guard is not asked about the seed's
    own texts (constants naming no one; the guard only refuses, it writes nothing), and the
    team's windows are opened with one flush (``_grant_team_at_once``). Every row and audit
    event stays the operations' own: the rest of each operation runs unchanged. Without
    ``fast`` the operations run exactly as in the app (``test_bench_seed`` compares both)."""
    if not fast:
        yield
        return
    replaced = [
        (agenda, "identity_hits", _no_identity_hits),
        (protocols, "identity_hits", _no_identity_hits),
        (resubmissions, "identity_hits", _no_identity_hits),
        (agenda, "identity_of", _nobody),
        (protocols, "identity_of", _nobody),
        (resubmissions, "identity_of", _nobody),
        (windows, "grant_team", _grant_team_at_once),
    ]
    originals = [(module, name, getattr(module, name)) for module, name, _ in replaced]
    try:
        for module, name, replacement in replaced:
            setattr(module, name, replacement)
        yield
    finally:
        for module, name, original in originals:
            setattr(module, name, original)


def seed_sessions(
    app, scale: Scale, seeded: Seeded, rng: random.Random, *, fast: bool = True
) -> None:
    """Each session's agenda (``items`` cases of the team's Fachkräfte, registered five days
    before); held sessions get a writer per item, a written and submitted Fallprotokoll, now
    and then a Wiedervorlage agreed in it, and all but the newest two of each team are
    finalised by their moderator (``fast``: see ``_fast_operations``)."""
    with _fast_operations(fast):
        _fill_sessions(app, scale, seeded, rng)


def _fill_sessions(app, scale: Scale, seeded: Seeded, rng: random.Random) -> None:
    now = utcnow()
    with app.app_context():
        team_ids = list(db.session.scalars(select(Team.id).order_by(Team.name)))
    held = finalised = items_made = agreed = 0
    for team_id in team_ids:
        with app.app_context():
            member_ids = list(
                db.session.scalars(
                    select(TeamMember.user_id)
                    .join(User, User.id == TeamMember.user_id)
                    .where(TeamMember.team_id == team_id)
                    .order_by(User.username)
                )
            )
            cases_of = {
                owner: list(
                    db.session.scalars(
                        select(Case.id)
                        .where(Case.case_manager_id == owner)
                        .order_by(*IN_ORDER_OF_REGISTRATION)
                    )
                )
                for owner in member_ids
            }
            presenter_ids = [i for i in member_ids if cases_of[i]]
            sessions = [
                (m.id, m.starts_dt)
                for m in db.session.scalars(
                    select(Meeting).where(Meeting.team_id == team_id).order_by(Meeting.starts_dt)
                )
            ]
            held_ids = [i for i, starts in sessions if starts < now]
            to_finalise = set(held_ids[:-2])  # the newest two are still being written up
        for index, (meeting_id, _) in enumerate(sessions):
            with app.app_context():
                meeting = db.session.get(Meeting, meeting_id)
                # one statement for the team's accounts; the operations' lookups of them
                # (presenter, writers, the windows) are then answered from the session
                loaded = {
                    u.id: u for u in db.session.scalars(select(User).where(User.id.in_(member_ids)))
                }
                people = [loaded[i] for i in member_ids]
                chosen: list[tuple[User, Case]] = []
                for slot in range(scale.items):
                    if not presenter_ids:
                        break
                    presenter_id = presenter_ids[(index + slot) % len(presenter_ids)]
                    case = db.session.get(Case, rng.choice(cases_of[presenter_id]))
                    if all(case.id != c.id for _, c in chosen):
                        chosen.append((db.session.get(User, presenter_id), case))
                registered = meeting.starts_dt - timedelta(days=5)
                items = []
                for presenter, case in chosen:
                    items.append(
                        agenda.register_case_for_meeting(
                            case,
                            meeting,
                            agenda.Registration(
                                method=rng.choice(METHODS),
                                question=rng.choice(QUESTIONS),
                                presentation=PRESENTATION,
                                expected_minutes=rng.choice([30, 40, 45]),
                            ),
                            actor=presenter,
                            now=registered,
                        )
                    )
                items_made += len(items)
                if meeting.starts_dt < now:
                    held += 1
                    moderator = people[index % len(people)]
                    meeting.moderator_id = moderator.id
                    for item in items:
                        writer = next(
                            u
                            for u in people[index % len(people) + 1 :] + people
                            if u.id != item.presenter_id and u.id != moderator.id
                        )
                        run.assign_writer(meeting, item, writer)
                        protocol = protocols.open_protocol(item, writer)
                        protocols.save_draft(
                            protocol,
                            _section_texts(item.method, rng),
                            protocol.version,
                            writer,
                        )
                        if rng.random() < 0.3:
                            resubmissions.agree_in_protocol(
                                protocol,
                                local_day(meeting.starts_dt) + timedelta(days=rng.randint(14, 60)),
                                "Rückmeldung zur vereinbarten Hilfe",
                                db.session.get(User, item.case.case_manager_id),
                                writer,
                                now=meeting.starts_dt,
                            )
                            agreed += 1
                        protocols.submit(protocol, writer)
                    if meeting.id in to_finalise:
                        protocols.save_team_notes(
                            meeting, "Sitzung wie geplant durchgeführt.", {}, moderator
                        )
                        protocols.finalise_session(meeting, moderator)
                        finalised += 1
                db.session.commit()
    seeded.counts.update(
        sessions=scale.sessions,
        agenda_items=items_made,
        held_sessions=held,
        finalised_sessions=finalised,
        agreed_resubmissions=agreed,
    )


def seed_resubmissions(app, scale: Scale, seeded: Seeded, rng: random.Random) -> None:
    """Wiedervorlagen of the measured Fachkraft's presented cases, set on past days: some
    overdue, some due this week, most upcoming."""
    made = 0
    with app.app_context():
        star = db.session.get(User, uuid.UUID(seeded.accounts["fachkraft"]["id"]))
        presented = list(
            db.session.scalars(
                select(Case)
                .where(
                    Case.case_manager_id == star.id,
                    Case.id.in_(select(AgendaItem.case_id)),
                )
                .order_by(*IN_ORDER_OF_REGISTRATION)
            )
        )
        today = utcnow().date()
        for case in presented[: max(1, len(presented) // 2)]:
            team = resubmissions.teams_for(case)[0]
            due = today + timedelta(days=rng.randint(-20, 60))
            resubmissions.set_resubmission(
                case,
                team,
                due,
                "Stand der Hilfeplanung prüfen",
                star,
                star,
                now=datetime.combine(min(due, today), clock(10, 0), tzinfo=UTC),
            )
            made += 1
        db.session.commit()
    seeded.counts["set_resubmissions"] = made


def seed_log(app, scale: Scale, seeded: Seeded, baseline: bool) -> None:
    """Fill the audit log up to ``audit_events`` with a year of generated reads and changes
    of the seeded cases (5 % on one "hot" case)."""
    with app.app_context():
        written = db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        case_rows = [
            tuple(row)
            for row in db.session.execute(
                select(Case.id, Case.pseudonym).order_by(*IN_ORDER_OF_REGISTRATION)
            )
        ]
        actors = [
            (u.id, ",".join(u.role_names))
            for u in db.session.scalars(select(User).order_by(User.username))
        ]
        # the operations' own events per case: the generator skips as many draws of each, so
        # both copies end with the same number of events per case (the DPO report's work)
        of_operations = Counter(
            dict(
                db.session.execute(
                    select(AuditEvent.case_pseudonym, func.count()).group_by(
                        AuditEvent.case_pseudonym
                    )
                ).all()
            )
        )
    hot = case_rows[1]
    seeded.seconds["audit_log"] = seed_events(
        app, scale.audit_events, actors, case_rows, hot, seed=11, already=of_operations
    )
    seeded.counts["audit_events_of_operations"] = written
    seeded.counts["audit_events_generated"] = max(0, scale.audit_events - written)
    typical = case_rows[len(case_rows) // 2]
    seeded.objects.update(report_pseudonym=typical[1], hot_pseudonym=hot[1])


def pick_objects(app, seeded: Seeded) -> None:
    """The representative objects the page benchmark opens."""
    now = utcnow()
    with app.app_context():
        star = uuid.UUID(seeded.accounts["fachkraft"]["id"])
        items_per_meeting = (
            select(AgendaItem.meeting_id, func.count().label("n"))
            .group_by(AgendaItem.meeting_id)
            .subquery()
        )
        meeting_id = db.session.scalar(
            select(Meeting.id)
            .join(items_per_meeting, items_per_meeting.c.meeting_id == Meeting.id)
            .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
            .where(AgendaItem.presenter_id == star)
            # a coming session if there is one (a tiny seed may have held them all)
            .order_by(
                (Meeting.starts_dt > now).desc(), items_per_meeting.c.n.desc(), Meeting.starts_dt
            )
            .limit(1)
        )
        protocol_id = db.session.scalar(
            select(CaseProtocol.id)
            .join(AgendaItem, AgendaItem.id == CaseProtocol.item_id)
            .where(AgendaItem.presenter_id == star, CaseProtocol.finalised_dt.is_not(None))
            .order_by(CaseProtocol.finalised_dt.desc())
            .limit(1)
        ) or db.session.scalar(
            select(CaseProtocol.id)
            .join(AgendaItem, AgendaItem.id == CaseProtocol.item_id)
            .where(AgendaItem.presenter_id == star)
            .limit(1)
        )
        case_id = db.session.scalar(
            select(Case.id).where(Case.case_manager_id == star).order_by(*IN_ORDER_OF_REGISTRATION)
        )
    seeded.objects.update(
        meeting_id=str(meeting_id), protocol_id=str(protocol_id), case_id=str(case_id)
    )


def resume(app, seeded: Seeded) -> None:
    """After an interrupted seeding (stopped while filling sessions): take what is there,
    give the measured accounts this run's password, and count what was made."""
    with app.app_context():
        for key, username in (("dpo", "dsb"), ("fachkraft", "fachkraft0")):
            user = db.session.scalars(select(User).where(User.username == username)).one()
            accounts.set_password(user, PASSWORD, chosen_by_user=True)
            seeded.accounts[key] = {
                "username": username,
                "totp": user.totp_secret,
                "id": str(user.id),
            }
        db.session.commit()

        def count(model, *where) -> int:
            return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

        seeded.counts.update(
            accounts=count(User),
            cases=count(Case),
            teams=count(Team),
            sessions=count(Meeting),
            agenda_items=count(AgendaItem),
            held_sessions=db.session.scalar(
                select(func.count(func.distinct(AgendaItem.meeting_id))).where(
                    AgendaItem.id.in_(select(CaseProtocol.item_id))
                )
            ),
            finalised_sessions=count(TeamProtocol, TeamProtocol.finalised_dt.is_not(None)),
            agreed_resubmissions=count(Resubmission),
            sessions_with_agenda=db.session.scalar(
                select(func.count(func.distinct(AgendaItem.meeting_id)))
            ),
        )


def seed(
    app,
    scale: Scale,
    *,
    seed_value: int = 2026,
    baseline: bool = False,
    finish: bool = False,
    fast: bool = True,
) -> Seeded:
    """Fill the (migrated, empty) database of ``app`` (``finish``: complete an interrupted
    seeding; ``fast``: see ``_fast_operations``); returns what the manifest says."""
    rng = random.Random(seed_value)  # noqa: S311 (test data, not security)
    seeded = Seeded()
    if finish:
        resume(app, seeded)
    else:
        with Timer(seeded, "accounts"):
            seed_accounts(app, scale, seeded)
        with Timer(seeded, "cases"):
            seed_cases(app, scale, seeded, rng)
        with Timer(seeded, "teams"):
            seed_teams(app, scale, seeded)
        with Timer(seeded, "sessions"):
            seed_sessions(app, scale, seeded, rng, fast=fast)
    with Timer(seeded, "resubmissions"):
        seed_resubmissions(app, scale, seeded, rng)
    seed_log(app, scale, seeded, baseline)
    pick_objects(app, seeded)
    return seeded


def report(seeded: Seeded) -> None:
    """Print what was made and how fast."""
    c, s = seeded.counts, seeded.seconds
    rows = [
        ("Konten", c["accounts"], s.get("accounts")),
        ("Fälle (mit Familie, Einwilligung)", c["cases"], s.get("cases")),
        ("Fallteams mit Sitzungen", c["sessions"], s.get("teams")),
        ("Tagesordnungspunkte / Protokolle", c["agenda_items"], s.get("sessions")),
        ("Wiedervorlagen (gesetzt)", c["set_resubmissions"], s.get("resubmissions")),
        ("Audit-Ereignisse (Massenweg)", c["audit_events_generated"], s.get("audit_log")),
    ]
    print(f"  {'Erzeugt':<38}{'Anzahl':>10}{'Sekunden':>10}{'je s':>12}")
    for label, count, seconds in rows:
        if seconds is None:  # made by the interrupted run (--finish)
            print(f"  {label:<38}{count:>10,}{'(vorher)':>10}")
            continue
        print(f"  {label:<38}{count:>10,}{seconds:>10.1f}{count / max(seconds, 1e-9):>12,.0f}")
    print(
        f"  ({c['held_sessions']:,} Sitzungen gehalten, {c['finalised_sessions']:,} "
        f"abgeschlossen, {c['agreed_resubmissions']:,} Wiedervorlagen im Protokoll vereinbart; "
        f"{c['audit_events_of_operations']:,} Audit-Ereignisse der Operationen)"
    )
    print(f"  gesamt {sum(s.values()):.0f} s")


def run_seed(
    workdir: Path,
    url: str | None,
    scale: Scale,
    *,
    seed_value: int = 2026,
    baseline: bool = False,
    finish: bool = False,
    fast: bool = True,
) -> dict:
    """Migrate and fill one database; write and return its manifest."""
    settings = {"AUDIT_CHECKPOINT_EVERY": 100_000, "AUDIT_CHECKPOINT_DIR": ""}
    if baseline:
        settings["BENCHMARK_PLAINTEXT_BASELINE"] = True
    app = make_app(workdir, url, **settings)
    seeded = seed(app, scale, seed_value=seed_value, baseline=baseline, finish=finish, fast=fast)
    with app.app_context():
        database_url = app.config["SQLALCHEMY_DATABASE_URI"]
        db.engine.dispose()
    manifest = {
        "database_url": database_url,
        "key_file": app.config["FALLTEAM_KEY_FILE"],
        "baseline": baseline,
        "seed": seed_value,
        "scale": {"cases": scale.cases, "sessions": scale.sessions, "events": scale.audit_events},
        "password": PASSWORD,
        "accounts": seeded.accounts,
        "objects": seeded.objects,
        "counts": seeded.counts,
        "seconds": seeded.seconds,
    }
    (workdir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return {"manifest": manifest, "seeded": seeded, "app": app}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=2_000)
    parser.add_argument("--audit-events", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=4, help="cases per session's agenda")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--workdir", type=Path, help="default: a new temporary directory")
    parser.add_argument("--baseline", action="store_true", help="the plaintext, no-audit copy")
    parser.add_argument(
        "--finish",
        action="store_true",
        help="complete a run stopped while filling sessions (same --workdir and database)",
    )
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="fallteam-seed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    scale = Scale(args.cases, args.sessions, args.audit_events, items=args.items)
    kind = "Klartext-Basis" if args.baseline else "verschlüsselt, auditiert"
    print(f"Fallteam Skalendaten ({kind}) in {workdir}")
    result = run_seed(
        workdir,
        args.database_url,
        scale,
        seed_value=args.seed,
        baseline=args.baseline,
        finish=args.finish,
    )
    report(result["seeded"])
    print(f"  Manifest: {workdir / 'manifest.json'}")


if __name__ == "__main__":
    main()
