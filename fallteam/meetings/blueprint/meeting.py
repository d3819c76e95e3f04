"""URL rules of the session pages."""

from flask import Blueprint

from fallteam.meetings.views import meeting as views
from fallteam.meetings.views import phases, plan, topics

bp = Blueprint("meetings", __name__)

bp.add_url_rule("/sitzungen", "list_meetings", views.list_meetings)
bp.add_url_rule("/sitzungen/<uuid:meeting_id>", "show_meeting", views.show_meeting)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/reihenfolge",
    "reorder_agenda",
    views.reorder_agenda,
    methods=["POST"],
)
bp.add_url_rule("/sitzungen/<uuid:meeting_id>/ablauf", "run_meeting", views.run_meeting)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/anwesenheit",
    "mark_attendance",
    views.mark_attendance,
    methods=["POST"],
)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/tagesordnung/<uuid:item_id>/anwesenheit",
    "mark_item_attendance",
    views.mark_item_attendance,
    methods=["POST"],
)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/tagesordnung/<uuid:item_id>/methode",
    "settle_method",
    views.settle_method,
    methods=["POST"],
)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/tagesordnung/<uuid:item_id>/uhr",
    "toggle_clock",
    views.toggle_clock,
    methods=["POST"],
)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/tagesordnung/<uuid:item_id>/schreibende",
    "assign_writer",
    views.assign_writer,
    methods=["POST"],
)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/schreibende",
    "propose_writers",
    views.propose_writers,
    methods=["POST"],
)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/einladung",
    "send_invitation",
    views.send_invitation,
    methods=["POST"],
)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/absagen",
    "cancel_meeting",
    views.cancel_meeting,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/verlegen",
    "move_meeting",
    views.move_meeting,
    methods=["GET", "POST"],
)

# The team's session plan (buttons on the team page).
bp.add_url_rule(
    "/fallteams/<uuid:team_id>/sitzungen",
    "generate_meetings",
    plan.generate_meetings,
    methods=["POST"],
)
bp.add_url_rule(
    "/fallteams/<uuid:team_id>/moderationsplan",
    "plan_moderation",
    plan.plan_moderation,
    methods=["POST"],
)
bp.add_url_rule(
    "/fallteams/<uuid:team_id>/moderationsplan/veroeffentlichen",
    "publish_moderation",
    plan.publish_moderation,
    methods=["POST"],
)
bp.add_url_rule(
    "/verschwiegenheit", "confirm_pledge", views.confirm_pledge, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/themen", "register_topic", views.register_topic, methods=["POST"]
)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/themen/<uuid:topic_id>",
    "edit_topic",
    topics.edit_topic,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/themen/<uuid:topic_id>/zurueckziehen",
    "withdraw_topic",
    topics.withdraw_topic,
    methods=["POST"],
)
bp.add_url_rule(
    "/sitzungen/<uuid:meeting_id>/tagesordnung/<uuid:item_id>/phase",
    "move_phase",
    phases.move_phase,
    methods=["POST"],
)
