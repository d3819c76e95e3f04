"""The moderator already keeps the Teamprotokoll (Fallteam standard 6, point 4): the writer
proposal gives the case protocols to the other members and takes the moderator only for an
item nobody else but its presenter could write; never the presenter."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from fallteam.auth.models import User
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.meetings.models import AgendaItem, Meeting
from fallteam.meetings.operations import agenda
from fallteam.teams.rotation import propose_writers
from tests.conftest import csrf_token, sign_in


def test_the_moderator_writes_no_protocol_while_another_member_can():
    items = [(f"top{i}", "extern") for i in range(4)]
    writers = propose_writers(items, ["anna", "ben", "mod"], moderator="mod")
    assert "mod" not in writers.values()
    assert Counter(writers.values()) == {"anna": 2, "ben": 2}


def test_the_moderator_writes_only_where_nobody_else_but_the_presenter_is_there():
    items = [("top1", "anna"), ("top2", "ben"), ("top3", "extern")]
    writers = propose_writers(items, ["anna", "mod"], moderator="mod")
    assert writers == {"top1": "mod", "top2": "anna", "top3": "anna"}


def test_the_moderator_never_writes_the_protocol_of_their_own_case():
    assert propose_writers([("top1", "mod")], ["mod"], moderator="mod") == {"top1": None}
    assert propose_writers([("top1", "mod")], ["anna", "mod"], moderator="mod") == {"top1": "anna"}


@st.composite
def agendas_with_moderator(draw):
    people = draw(st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=6, unique=True))
    presenters = st.sampled_from(sorted(people) + ["extern"])
    items = [(f"top{i}", draw(presenters)) for i in range(draw(st.integers(0, 9)))]
    prior = draw(st.dictionaries(st.sampled_from(people), st.integers(0, 5)))
    return items, people, prior, draw(st.sampled_from(people))


@settings(deadline=None, max_examples=150)
@given(agendas_with_moderator())
def test_writers_with_a_moderator_for_random_agendas(agenda):
    items, people, prior, moderator = agenda
    writers = propose_writers(items, people, prior_counts=prior, moderator=moderator)
    eligible = {}
    for key, presenter in items:
        others = [p for p in people if p not in (presenter, moderator)]
        eligible[key] = others or [p for p in people if p == moderator != presenter]
        assert writers[key] != presenter
        assert (writers[key] is None) == (not eligible[key])
        assert writers[key] is None or writers[key] in eligible[key]
    # Among who may write each item, as even as possible (every reachable count vector).
    reachable = {(0,) * len(people)}
    for key, _ in items:
        choices = [people.index(p) for p in eligible[key]]
        if choices:
            reachable = {v[:i] + (v[i] + 1,) + v[i + 1 :] for v in reachable for i in choices}
    evenest = min(tuple(sorted(v, reverse=True)) for v in reachable)
    written = [list(writers.values()).count(p) for p in people]
    assert tuple(sorted(written, reverse=True)) == evenest
    again = propose_writers(items, list(reversed(people)), prior_counts=prior, moderator=moderator)
    assert again == writers


def test_the_session_proposal_leaves_the_moderator_out(
    app, create_account, create_case, create_team, create_meeting
):
    moderator, colleague = create_account(["member"]), create_account(["member"])
    presenter = create_account(["fachkraft", "member"])
    team_id, _ = create_team([(a, "permanent") for a in (moderator, colleague, presenter)])
    # Three cases of one presenter: moderator and colleague could share them two to one.
    first, *more = [create_case(presenter) for _ in range(3)]
    sample = create_meeting(team_id, first, moderator=moderator, invited=False)
    with app.app_context():
        meeting = db.session.get(Meeting, sample.meeting_id)
        for case in more:
            agenda.register_case_for_meeting(
                db.session.get(Case, case.id),
                meeting,
                agenda.Registration(
                    method="kollegiale_beratung",
                    question="Welche Hilfe passt?",
                    presentation="Die Familie sucht Unterstützung.",
                    expected_minutes=30,
                ),
                actor=db.session.get(User, presenter.id),
            )
        db.session.commit()
    client = app.test_client()
    sign_in(client, app, moderator)
    response = client.post(
        f"/sitzungen/{sample.meeting_id}/schreibende", data={"csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302
    with app.app_context():
        writers = db.session.scalars(
            select(AgendaItem.writer_id).where(AgendaItem.meeting_id == sample.meeting_id)
        ).all()
    assert writers == [colleague.id] * 3
