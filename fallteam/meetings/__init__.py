"""The Sitzung domain (model ``Meeting``; "Sitzung" in the UI): sessions generated from the
team's rhythm, moderated in rotation, moved or cancelled; their agenda items (TOPs) with
guests and documents; who sees a registered case until when; invitations (``fallteam.mail``
only renders and queues them); running a session. Pure rules in ``rules.py``."""
