"""The Sitzung domain's changes: every function flushes and writes its audit event; none
commits.

- ``schedule``: sessions from the team's rhythm, the moderation plan, cancelling and moving;
- ``agenda``: registering a case (TOP), its guests and documents, late items;
- ``windows``: who sees a registered case until when (team members, guests);
- ``invitations``: inviting, announcing changes and reminders (mail only queues them);
- ``run``: running a session (order, attendance per session and per item, clock, writers);
- ``pledge``: the confidentiality pledge of guests and temporary members;
- ``phases``: the phase guide (the moderator moves an item to the next or previous phase);
- ``topics``: items without a case (registering, editing, withdrawing).
"""


class MeetingError(ValueError):
    """A change the rules do not allow; the message is for the user."""
