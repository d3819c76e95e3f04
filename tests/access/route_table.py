"""Expected answer of every route, for every principal and method.

Kept beside the tests on purpose: a new route that is not listed here fails the suite, and a
listed answer that the application does not give fails it too. Outcomes:

- ``ok``: the page or action is served (2xx, or a redirect that is not to the sign-in page)
- ``sign_in``: redirected to the sign-in page
- ``forbidden``: 403

Principals: ``fachkraft`` manages the sample case (fallführend); ``other_fachkraft`` is a
Fachkraft who does not; ``member`` and ``guest`` take part in the sample case's presentation.
"""

from __future__ import annotations

#: principal -> the roles its account holds
PRINCIPAL_ROLES = {
    "anonymous": [],
    "fachkraft": ["fachkraft"],
    "other_fachkraft": ["fachkraft"],
    "member": ["member"],
    "guest": ["guest"],
    "dpo": ["dpo"],
    "admin": ["admin"],
}
PRINCIPALS = list(PRINCIPAL_ROLES)
SIGNED_IN = PRINCIPALS[1:]

OK, SIGN_IN, FORBIDDEN = "ok", "sign_in", "forbidden"


def public() -> dict[str, str]:
    """Everyone, signed in or not."""
    return dict.fromkeys(PRINCIPALS, OK)


def signed_in() -> dict[str, str]:
    """Every role; anonymous visitors are sent to sign in."""
    return {"anonymous": SIGN_IN, **dict.fromkeys(SIGNED_IN, OK)}


def only(*principals: str) -> dict[str, str]:
    """These principals; others get 403, anonymous visitors are sent to sign in."""
    return {"anonymous": SIGN_IN, **{p: OK if p in principals else FORBIDDEN for p in SIGNED_IN}}


def always_to_sign_in() -> dict[str, str]:
    """Sign-out: everyone ends on the sign-in page."""
    return dict.fromkeys(PRINCIPALS, SIGN_IN)


def sign_in_step() -> dict[str, str]:
    """A step of a sign-in in progress: without one, visitors go back to the sign-in page and
    signed-in users to their start page."""
    return signed_in()


CASE_MANAGER = only("fachkraft")
FACHKRAFT = only("fachkraft", "other_fachkraft")
#: the sample session's presenter, moderator (a team member) and its item's invited guest
SESSION_PARTICIPANTS = only("fachkraft", "member", "guest")
MODERATOR = only("member")

#: endpoint -> method -> principal -> outcome
EXPECTED: dict[str, dict[str, dict[str, str]]] = {
    "static": {"GET": public()},
    "home.start": {"GET": signed_in()},
    "home.set_language": {"POST": public()},
    "home.check_health": {"GET": public()},
    "auth.sign_in": {"GET": public(), "POST": public()},
    "auth.verify_second_factor": {"GET": sign_in_step(), "POST": sign_in_step()},
    "auth.use_recovery_code": {"GET": sign_in_step(), "POST": sign_in_step()},
    "auth.set_up_second_factor": {"GET": sign_in_step(), "POST": sign_in_step()},
    "auth.sign_out": {"POST": always_to_sign_in()},
    "auth.show_account": {"GET": signed_in()},
    "auth.change_password": {"GET": signed_in(), "POST": signed_in()},
    "auth.renew_recovery_codes": {"POST": signed_in()},
    "admin.list_users": {"GET": only("admin")},
    "admin.create_user": {"GET": only("admin"), "POST": only("admin")},
    "admin.edit_user": {"GET": only("admin"), "POST": only("admin")},
    "admin.deactivate_user": {"POST": only("admin")},
    "admin.reactivate_user": {"POST": only("admin")},
    "admin.reset_second_factor": {"POST": only("admin")},
    "admin.reset_password": {"POST": only("admin")},
    "admin.show_policy": {"GET": only("admin", "dpo")},
    # the DPO's workspace: the DPO only (never case content, see tests/dpo/)
    "dpo.show_workspace": {"GET": only("dpo")},
    # the audit chain: verify now, download the checkpoints (audit.read)
    "dpo.verify_chain": {"POST": only("dpo")},
    "dpo.download_checkpoints": {"GET": only("dpo")},
    "dpo.open_case_report": {"GET": only("dpo")},
    "dpo.case_report": {"GET": only("dpo")},
    "dpo.list_anomalies": {"GET": only("dpo")},
    "dpo.list_disclosures": {"GET": only("dpo")},
    "dpo.search_audit": {"GET": only("dpo")},
    "dpo.export_audit_csv": {"GET": only("dpo")},
    "dpo.export_audit_json": {"GET": only("dpo")},
    "dpo.person_activity": {"GET": only("dpo")},
    # reports: the Art. 15 overview and the record of processing for the DPO; the Art. 15
    # answer with content for the case's owner (tests/reports/)
    "reports.dpo_subject_access": {"GET": only("dpo"), "POST": only("dpo")},
    "reports.download_dpo_subject_access": {"POST": only("dpo")},
    "reports.show_processing_record": {"GET": only("dpo")},
    "reports.download_processing_record": {"GET": only("dpo")},
    "reports.owner_subject_access": {"GET": CASE_MANAGER, "POST": CASE_MANAGER},
    "reports.download_owner_subject_access": {"POST": CASE_MANAGER},
    "admin.list_institutions": {"GET": only("admin")},
    "admin.add_institution": {"POST": only("admin")},
    "admin.edit_institution": {"GET": only("admin"), "POST": only("admin")},
    "admin.deactivate_institution": {"POST": only("admin")},
    "admin.reactivate_institution": {"POST": only("admin")},
    "cases.list_cases": {"GET": FACHKRAFT},
    # Wiedervorlagen: the dashboard for Fachkräfte and members; the case's ones for its owner
    "resubmissions.dashboard": {"GET": only("fachkraft", "other_fachkraft", "member")},
    "resubmissions.case_resubmissions": {"GET": CASE_MANAGER, "POST": CASE_MANAGER},
    "resubmissions.record_outcome": {"POST": CASE_MANAGER},
    # a team's Wiedervorlagen: its members today (the sample team: the member)
    "resubmissions.team_dashboard": {"GET": only("member")},
    # in the Fallprotokoll: the case manager and the item's writer (the sample's member)
    "resubmissions.agree_in_protocol": {"POST": only("fachkraft", "member")},
    "resubmissions.deal_in_protocol": {"POST": only("fachkraft", "member")},
    # Fallprotokoll of the sample item: ``member`` writes it and moderates the session,
    # ``fachkraft`` manages the case; guests, DPO and administration never read it
    "protocols.open_for_item": {"POST": only("fachkraft", "member")},
    "protocols.show_protocol": {"GET": only("fachkraft", "member"), "POST": MODERATOR},
    "protocols.show_history": {"GET": only("fachkraft", "member")},
    "protocols.autosave": {"POST": MODERATOR},
    "protocols.submit_protocol": {"POST": MODERATOR},
    "protocols.finalise_protocol": {"POST": MODERATOR},
    "protocols.add_addendum": {"POST": only("fachkraft", "member")},
    # the signed excerpt and the case's history across sessions: the case manager only
    "protocols.excerpt": {"GET": CASE_MANAGER, "POST": CASE_MANAGER},
    "protocols.case_history": {"GET": CASE_MANAGER},
    # the Teamprotokoll: its moderator and the team members present (never guests, and not
    # the presenting Fachkraft from outside the team)
    "protocols.show_team_protocol": {"GET": MODERATOR, "POST": MODERATOR},
    "protocols.finalise_team_protocol": {"POST": MODERATOR},
    "protocols.add_team_addendum": {"POST": MODERATOR},
    "cases.register_case": {"GET": FACHKRAFT, "POST": FACHKRAFT},
    # guests see the agenda item they are invited to, never the case page
    "cases.show_case": {"GET": only("fachkraft", "member")},
    "cases.edit_case": {"GET": CASE_MANAGER, "POST": CASE_MANAGER},
    "cases.add_member": {"GET": CASE_MANAGER, "POST": CASE_MANAGER},
    "cases.edit_member": {"GET": CASE_MANAGER, "POST": CASE_MANAGER},
    "cases.add_relation": {"POST": CASE_MANAGER},
    "cases.delete_relation": {"POST": CASE_MANAGER},
    "cases.add_resource": {"POST": CASE_MANAGER},
    "cases.delete_resource": {"POST": CASE_MANAGER},
    "cases.transfer_case": {"POST": CASE_MANAGER},
    "cases.add_participant": {"POST": CASE_MANAGER},
    "cases.end_participant": {"POST": CASE_MANAGER},
    # closing, reopening, the disputed mark, the restriction request: the case's owner only
    "cases.close_case": {"POST": CASE_MANAGER},
    "cases.reopen_case": {"POST": CASE_MANAGER},
    "cases.mark_disputed": {"POST": CASE_MANAGER},
    "retention.request_restriction": {"POST": CASE_MANAGER},
    "retention.give_reason": {"GET": CASE_MANAGER, "POST": CASE_MANAGER},
    # the DPO's retention pages (structure only: pseudonym, class, dates); the sample
    # proposal and certificate are of the sample case, which the DPO does not own
    "retention.show_retention": {"GET": only("dpo")},
    "retention.confirm_proposal": {"POST": only("dpo")},
    "retention.reject_proposal": {"POST": only("dpo")},
    "retention.show_certificate": {"GET": only("dpo")},
    "retention.download_certificate": {"GET": only("dpo")},
    "retention.confirm_team_protocol_proposal": {"POST": only("dpo")},
    "retention.reject_team_protocol_proposal": {"POST": only("dpo")},
    "retention.show_team_protocol_certificate": {"GET": only("dpo")},
    "retention.restrict_case": {"POST": only("dpo")},
    "retention.approve_restriction": {"POST": only("dpo")},
    "retention.decline_restriction": {"POST": only("dpo")},
    "retention.lift_restriction": {"POST": only("dpo")},
    "consent.record_consent": {"GET": CASE_MANAGER, "POST": CASE_MANAGER},
    "consent.correct_consent": {"GET": CASE_MANAGER, "POST": CASE_MANAGER},
    "consent.revoke_consent": {"GET": CASE_MANAGER, "POST": CASE_MANAGER},
    "consent.download_document": {"GET": CASE_MANAGER},
    # the sample team has the ``member`` principal as a permanent member
    "teams.list_teams": {"GET": only("fachkraft", "other_fachkraft", "member", "admin")},
    "teams.create_team": {"GET": only("admin"), "POST": only("admin")},
    "teams.show_team": {"GET": only("member", "admin")},
    "teams.add_member": {"POST": only("admin")},
    "teams.remove_member": {"POST": only("admin")},
    "teams.add_absence": {"POST": only("admin")},
    "meetings.generate_meetings": {"POST": only("admin")},
    "meetings.plan_moderation": {"POST": only("admin")},
    "meetings.publish_moderation": {"POST": only("admin")},
    # The sample session: ``member`` moderates it, ``fachkraft`` presents its item (her case),
    # ``guest`` is that item's invited guest (window open), ``other_fachkraft`` has nothing
    # to do with it.
    # --- agenda: registration, guests, documents, late items ---
    "agenda.register_case": {"GET": CASE_MANAGER, "POST": CASE_MANAGER},
    "agenda.edit_item": {"GET": CASE_MANAGER, "POST": CASE_MANAGER},
    "agenda.withdraw_item": {"POST": CASE_MANAGER},
    "agenda.add_guest": {"POST": CASE_MANAGER},
    "agenda.add_outside_guest": {"POST": CASE_MANAGER},
    "agenda.remove_guest": {"POST": CASE_MANAGER},
    "agenda.add_document": {"POST": CASE_MANAGER},
    "agenda.remove_document": {"POST": CASE_MANAGER},
    "agenda.show_item": {"GET": SESSION_PARTICIPANTS},
    "agenda.download_document": {"GET": SESSION_PARTICIPANTS},
    "agenda.add_late_item": {"GET": MODERATOR, "POST": MODERATOR},
    # --- sessions: agenda, order, run view ---
    "meetings.list_meetings": {"GET": only("fachkraft", "other_fachkraft", "member", "guest")},
    "meetings.show_meeting": {"GET": SESSION_PARTICIPANTS},
    "meetings.reorder_agenda": {"POST": MODERATOR},
    "meetings.run_meeting": {"GET": MODERATOR},
    "meetings.mark_attendance": {"POST": MODERATOR},
    "meetings.mark_item_attendance": {"POST": MODERATOR},
    "meetings.confirm_pledge": {"GET": signed_in(), "POST": signed_in()},
    "meetings.settle_method": {"POST": only("fachkraft", "member")},
    "meetings.register_topic": {"POST": only("member")},
    # the sample topic is registered by ``member``, who also moderates the session
    "meetings.edit_topic": {"GET": only("member"), "POST": only("member")},
    "meetings.withdraw_topic": {"POST": only("member")},
    "meetings.move_phase": {"POST": MODERATOR},
    "meetings.toggle_clock": {"POST": MODERATOR},
    "meetings.assign_writer": {"POST": MODERATOR},
    "meetings.propose_writers": {"POST": MODERATOR},
    "meetings.send_invitation": {"POST": MODERATOR},
    # moving and cancelling: the session's moderator, or whoever manages the teams
    "meetings.cancel_meeting": {"GET": only("member", "admin"), "POST": only("member", "admin")},
    "meetings.move_meeting": {"GET": only("member", "admin"), "POST": only("member", "admin")},
    # --- mail and calendar feed ---
    # the secret address is the key: valid for everyone, signed in or not
    "mail.show_calendar_feed": {"GET": public()},
    "mail.create_calendar_feed": {"POST": signed_in()},
    "mail.revoke_calendar_feed": {"POST": signed_in()},
}
