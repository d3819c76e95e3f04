"""The policy file: deny by default, and `never` wins over any combination of roles."""

from __future__ import annotations

import pytest

from fallteam.access import Policy, PolicyError

CASE_CONTENT = {
    "case.read_identity",
    "case.read_pseudonymised",
    "case.register",
    "meeting.view",
    "agenda.view_item",
    "agenda.register",
    "meeting.moderate",
}


def test_dpo_and_admin_never_reach_case_content_even_with_a_second_role():
    policy = Policy.load()
    for guarded in ("dpo", "admin"):
        for other in policy.roles:
            assert not policy.permissions_of([guarded, other]) & CASE_CONTENT, (guarded, other)


def test_a_role_gets_only_what_it_is_granted():
    policy = Policy.load()
    assert policy.permissions_of(["guest"]) == {
        "start.view",
        "account.use",
        "meeting.view",
        "agenda.view_item",
        # the Fallprotokoll of an item the guest attended, within their window (access.py)
        "protocol.read",
    }
    assert policy.permissions_of([]) == frozenset()
    assert policy.permissions_of(["no-such-role"]) == frozenset()


def test_guests_never_reach_the_case_page_whatever_else_they_hold():
    policy = Policy.load()
    for other in policy.roles:
        assert "case.read_pseudonymised" not in policy.permissions_of(["guest", other])


def test_members_and_guests_never_see_real_identities():
    policy = Policy.load()
    assert "case.read_identity" not in policy.permissions_of(["member", "guest"])


def test_a_contradicting_policy_is_refused(tmp_path):
    bad = tmp_path / "policy.toml"
    bad.write_text(
        '[permissions]\n"a" = "A"\n[roles.x]\nlabel = "X"\ngrants = ["a"]\nnever = ["a"]\n'
    )
    with pytest.raises(PolicyError):
        Policy.load(bad)


def test_an_unknown_permission_in_the_policy_is_refused(tmp_path):
    bad = tmp_path / "policy.toml"
    bad.write_text('[permissions]\n"a" = "A"\n[roles.x]\nlabel = "X"\ngrants = ["b"]\n')
    with pytest.raises(PolicyError):
        Policy.load(bad)


def test_asking_for_an_unknown_permission_is_an_error_not_a_quiet_no(app):
    from fallteam import access

    with app.test_request_context(), pytest.raises(PolicyError):
        access.can("case.delete_everything")


def test_a_fachkraft_who_is_also_a_team_member_keeps_her_own_cases():
    policy = Policy.load()
    assert {"case.edit", "case.read_identity", "agenda.register"} <= policy.permissions_of(
        ["fachkraft", "member"]
    )
