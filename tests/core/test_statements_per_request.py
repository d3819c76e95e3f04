"""A page costs the same number of SQL statements whether it shows 5 rows or 50: lists load
what they show with a constant number of queries (no statement per case, consent, data key,
item or team), so the cost of a request does not grow with the data.

Each test builds the data for 5 rows, counts the statements of one request, grows the data to
50 rows and counts again. The counts must be equal; the message lists the statements that
were sent more often.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest

from fallteam.auth import operations as accounts
from fallteam.auth.models import Institution, User
from fallteam.cases.models import Case
from fallteam.consent import operations as consents
from fallteam.core.models import utcnow
from fallteam.extensions import db
from fallteam.meetings.models import (
    AgendaGuest,
    AgendaItem,
    AgendaTopic,
    ItemAttendance,
    Meeting,
)
from fallteam.meetings.operations import agenda, windows
from tests.conftest import ASD, JOBCENTER, PDF, QUESTION, institution_id_of, sign_in
from tests.meetings.test_run_view import on_its_day

SMALL, LARGE = 5, 50

# The checkpoint every 1,000 audit events would add statements to one request only.
pytestmark = pytest.mark.settings(AUDIT_CHECKPOINT_EVERY=10**9)


def statements_of(count_statements, client, url):
    """The statements one GET of ``url`` sends (after one request that warms up)."""
    assert client.get(url).status_code == 200
    with count_statements() as sent:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return sent


def _shape(statement: str) -> str:
    return re.sub(r"sa_savepoint_\d+", "sa_savepoint", re.sub(r"\s+", " ", statement))[:160]


def assert_constant(small, large, page: str) -> None:
    """``large`` (50 rows) sent no more statements than ``small`` (5 rows)."""
    extra = Counter(map(_shape, large.sent)) - Counter(map(_shape, small.sent))
    listing = "\n".join(f"{n} × {s}" for s, n in extra.most_common(8))
    print(f"\n{page}: {len(small)} statements with {SMALL} rows, {len(large)} with {LARGE}")
    assert len(large) == len(small), (
        f"{page}: {len(small)} statements with {SMALL} rows, {len(large)} with {LARGE}; "
        f"sent more often:\n{listing}"
    )


def client_of(app, account):
    client = app.test_client()
    sign_in(client, app, account)
    return client


def expiring_consent(jobcenter_id) -> dict:
    """A consent for the Jobcenter that ends in ten days (so the list warns about it)."""
    return {
        "recipients": [{"type": "institution", "value": str(jobcenter_id)}],
        "valid_until": utcnow().date() + timedelta(days=10),
    }


# --- the case list and the start page ------------------------------------------------------


def test_the_case_list_costs_the_same_for_5_and_50_cases(
    app, create_account, create_case, count_statements, institution_id
):
    jobcenter = institution_id(JOBCENTER)
    owner = create_account(["fachkraft"])
    colleague = create_account(["fachkraft"])
    client = client_of(app, owner)
    counts = {}
    made = 0
    for size in (SMALL, LARGE):
        while made < size:
            create_case(owner, consent=expiring_consent(jobcenter))
            # and a presentation of a colleague's case she takes part in
            create_case(colleague, participants=[(owner, "member")])
            made += 1
        counts[size] = statements_of(count_statements, client, "/faelle")
    assert_constant(counts[SMALL], counts[LARGE], "/faelle")


def test_the_start_page_costs_the_same_for_5_and_50_sessions_and_presentations(
    app, create_account, create_case, create_team, create_meeting, count_statements
):
    viewer = create_account(["fachkraft", "member"])
    presenter = create_account(["fachkraft"])
    team_id, _ = create_team([(viewer, "permanent")])
    client = client_of(app, viewer)
    counts = {}
    made = 0
    for size in (SMALL, LARGE):
        while made < size:
            # a team of her own per session, and a case presented to her in it
            other_team, _ = create_team([(viewer, "permanent")])
            case = create_case(presenter, participants=[(viewer, "member")])
            create_meeting(other_team if made % 2 else team_id, case)
            made += 1
        counts[size] = statements_of(count_statements, client, "/")
    assert_constant(counts[SMALL], counts[LARGE], "/")


@pytest.mark.parametrize("viewer", ["presenter", "guest"])
def test_the_session_pages_of_someone_outside_the_team_cost_the_same_for_5_and_50_sessions(
    app, create_account, create_case, create_team, create_meeting, count_statements, viewer
):
    """A presenter who is not on the team, and an item's guest: which sessions they may see
    is decided for all candidate sessions at once, not one access check per session."""
    presenter = create_account(["fachkraft"])
    guest = create_account(["guest"])
    team_id, _ = create_team([(create_account(["member"]), "permanent")])
    client = client_of(app, presenter if viewer == "presenter" else guest)
    counts: dict[tuple[str, int], object] = {}
    made = 0
    for size in (SMALL, LARGE):
        while made < size:
            starts = (utcnow() + timedelta(days=2 + made)).replace(microsecond=0)
            create_meeting(team_id, create_case(presenter), guests=[guest], starts=starts)
            made += 1
        for url in ("/", "/sitzungen"):
            counts[url, size] = statements_of(count_statements, client, url)
    for url in ("/", "/sitzungen"):
        print(f"{url} ({viewer}): {len(counts[url, SMALL])}, {len(counts[url, LARGE])}")
    for url in ("/", "/sitzungen"):
        assert_constant(counts[url, SMALL], counts[url, LARGE], f"{url} ({viewer})")


# --- a case page ---------------------------------------------------------------------------


def add_consents(app, case_id, count: int) -> None:
    """``count`` more consents of the mother, each naming another person."""
    with app.app_context():
        case = db.session.get(Case, case_id)
        owner = db.session.get(User, case.case_manager_id)
        for _ in range(count):
            recipient, _ = accounts.create_user(
                username=f"empf-{utcnow().timestamp()}-{id(object())}",
                display_name="Empfängerin",
                email="empfaengerin@example.org",
                roles=["member"],
                institution=db.session.get(Institution, institution_id_of(ASD)),
            )
            db.session.flush()
            consents.record_consent(
                case,
                consents.ConsentData(
                    grantor=case.members[0],
                    grantor_capacity="sorgeberechtigt",
                    recipients=[{"type": "user", "value": str(recipient.id)}],
                    purposes=["fallberatung"],
                    data_categories=["identity"],
                    valid_from=utcnow().date() - timedelta(days=1),
                    valid_until=None,
                    form="schriftlich",
                    document=PDF,
                    document_name="entbindung.pdf",
                ),
                actor=owner,
            )
        db.session.commit()


@pytest.mark.parametrize("viewer", ["owner", "participant"])
def test_a_case_page_costs_the_same_for_5_and_50_consents(
    app, create_account, create_case, count_statements, viewer
):
    owner = create_account(["fachkraft"])
    member = create_account(["member"])
    case = create_case(owner, participants=[(member, "member")])
    client = client_of(app, owner if viewer == "owner" else member)
    counts = {}
    made = 0
    for size in (SMALL, LARGE):
        add_consents(app, case.id, size - made)
        made = size
        counts[size] = statements_of(count_statements, client, f"/faelle/{case.id}")
    assert_constant(counts[SMALL], counts[LARGE], f"case page ({viewer})")


# --- a session's agenda and run view -------------------------------------------------------


def add_items(app, meeting_id, presenter, guest, create_case, count: int, writer=None) -> None:
    """``count`` more cases of ``presenter`` on the agenda, each with ``guest`` invited, the
    presenter's attendance for it marked, ``writer`` assigned to write its Fallprotokoll, and
    as many topics without a case."""
    for _ in range(count):
        case_id = create_case(presenter).id
        with app.app_context():
            case = db.session.get(Case, case_id)
            item = agenda.register_case_for_meeting(
                case,
                db.session.get(Meeting, meeting_id),
                agenda.Registration(
                    method="kollegiale_beratung",
                    question=QUESTION,
                    presentation="Die Mutter lebt mit den Kindern allein.",
                    expected_minutes=30,
                    pseudonymised_confirmed=False,  # the moderator sees what is missing
                ),
                actor=db.session.get(User, presenter.id),
            )
            guest_entry = AgendaGuest(item_id=item.id, user_id=guest.id)
            item.guests.append(guest_entry)
            db.session.flush()
            windows.open_guest_window(guest_entry, now=utcnow() - timedelta(minutes=1))
            item.attendance.append(ItemAttendance(user_id=presenter.id, presence="late"))
            item.writer_id = writer.id if writer is not None else None
            db.session.add(
                AgendaTopic(
                    meeting_id=meeting_id,
                    registered_by_id=presenter.id,
                    title="Fachfrage",
                    text="Information",
                )
            )
            db.session.commit()


@pytest.fixture
def growing_meeting(app, create_account, create_case, create_team, create_meeting):
    """A session of a team (moderator, colleague, presenter) whose agenda grows on demand."""
    moderator = create_account(["member"])
    colleague = create_account(["member"])
    presenter = create_account(["fachkraft", "member"])
    guest = create_account(["guest"])
    team_id, _ = create_team([(a, "permanent") for a in (moderator, colleague, presenter)])
    first = create_meeting(team_id, create_case(presenter), moderator=moderator, guests=[guest])
    state = {"items": 1}

    def grow(size: int) -> None:
        add_items(
            app,
            first.meeting_id,
            presenter,
            guest,
            create_case,
            size - state["items"],
            writer=colleague,
        )
        state["items"] = size

    people = {"moderator": moderator, "colleague": colleague, "presenter": presenter}
    return first.meeting_id, people, grow


@pytest.mark.parametrize(
    ("who", "tail"),
    [("colleague", ""), ("moderator", ""), ("presenter", ""), ("moderator", "/ablauf")],
    ids=["agenda-member", "agenda-moderator", "agenda-presenter", "run-view"],
)
def test_an_agenda_costs_the_same_for_5_and_50_items(
    app, growing_meeting, count_statements, who, tail
):
    meeting_id, people, grow = growing_meeting
    client = client_of(app, people[who])
    url = f"/sitzungen/{meeting_id}{tail}"
    counts = {}
    for size in (SMALL, LARGE):
        grow(size)
        with app.app_context():
            assert db.session.query(AgendaItem).filter_by(meeting_id=meeting_id).count() == size
            meeting = db.session.get(Meeting, meeting_id)
            planned = meeting.starts_dt, meeting.ends_dt
        if tail == "/ablauf":
            on_its_day(app, meeting_id)  # a session is run on its day
        counts[size] = statements_of(count_statements, client, url)
        with app.app_context():
            meeting = db.session.get(Meeting, meeting_id)
            meeting.starts_dt, meeting.ends_dt = planned  # registering needs it ahead again
            db.session.commit()
    assert_constant(counts[SMALL], counts[LARGE], f"{url} ({who})")
