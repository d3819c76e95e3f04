"""The private calendar feed and the account actions that make and end it."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound

from fallteam import access
from fallteam.mail import feeds
from fallteam.mail.calendar import feed_calendar
from fallteam.mail.invitations import public_url


def show_calendar_feed(token: str):
    """The feed a calendar application fetches (no sign-in: the secret URL is the key).
    Unknown, revoked and disabled ones all answer 404, alike."""
    user = feeds.feed_owner(token)
    if user is None:
        raise NotFound()
    body = feed_calendar(user, feeds.feed_meetings(user))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="fallteam.ics"'
    return response


def create_calendar_feed():
    """Make (or renew) the own feed and show its address once."""
    access.require("account.use")
    token = feeds.create_feed(current_user._get_current_object())
    return render_template(
        "mail/feed_created.html",
        feed_url=public_url("mail.show_calendar_feed", token=token),
        next_url=url_for("auth.show_account"),
    )


def revoke_calendar_feed():
    """End the own feed: its address stops working at once."""
    access.require("account.use")
    if feeds.revoke_feed(current_user._get_current_object()):
        flash(
            _("Das Kalender-Abo wurde widerrufen; die bisherige Adresse ist ungültig."), "success"
        )
    else:
        flash(_("Es gab kein Kalender-Abo zu widerrufen."), "error")
    return redirect(url_for("auth.show_account"))
