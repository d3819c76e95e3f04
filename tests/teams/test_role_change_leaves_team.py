"""An account whose roles no longer allow team membership (a member made a guest) leaves its
teams: the role change ends the memberships and the windows the sessions had opened (audited),
and no membership left over would open the team's sessions or their cases anyway."""

from __future__ import annotations

from sqlalchemy import select

from fallteam import access
from fallteam.audit.models import AuditAction, AuditEvent
from fallteam.auth import operations as accounts
from fallteam.auth.models import Institution, User
from fallteam.cases.models import Case
from fallteam.extensions import db
from fallteam.meetings.models import Meeting
from fallteam.teams.models import TeamMember
from tests.conftest import KITA_FACHBERATUNG, institution_id_of, sign_in


def test_a_member_made_a_guest_no_longer_sees_the_teams_session_or_its_cases(
    app, create_account, create_case, create_team, create_meeting
):
    owner = create_account(["fachkraft"])
    member = create_account(["member"])
    team_id, (membership_id,) = create_team([(member, "permanent")])
    case = create_case(owner)
    session = create_meeting(team_id, case)
    client = app.test_client()
    sign_in(client, app, member)
    assert client.get(f"/tagesordnung/{session.item_id}").status_code == 200

    with app.app_context():
        user = db.session.get(User, member.id)
        accounts.update_user(
            user,
            display_name=user.display_name,
            email=user.email,
            roles=["guest"],
            institution=db.session.get(Institution, institution_id_of(KITA_FACHBERATUNG)),
        )
        db.session.commit()
        assert not access.team_member_of(user, db.session.get(Meeting, session.meeting_id))
        # the role change ends the memberships and the windows the sessions opened (audited)
        assert (
            db.session.scalars(select(TeamMember).where(TeamMember.user_id == user.id)).all() == []
        )
        assert access.active_participation(user, db.session.get(Case, case.id)) is None
        ended = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == AuditAction.DELETE, AuditEvent.object_id == str(membership_id)
            )
        ).all()
        assert len(ended) == 1

    client = app.test_client()
    sign_in(client, app, member)
    for url in (
        f"/sitzungen/{session.meeting_id}",
        f"/tagesordnung/{session.item_id}",
        f"/faelle/{case.id}",
    ):
        assert client.get(url).status_code == 403, url
    assert str(session.meeting_id) not in client.get("/sitzungen").get_data(as_text=True)
