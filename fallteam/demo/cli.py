"""``flask demo …``: the demo instance (refused outside it)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from fallteam.auth import operations as accounts
from fallteam.auth import totp
from fallteam.config import PRODUCTION
from fallteam.core.lifecycle import unit_of_work
from fallteam.demo.data import DEMO_USERS
from fallteam.demo.operations import (
    load_demo_case,
    load_demo_closed_case,
    load_demo_past_session,
    load_demo_team,
    load_demo_users,
)


def _require_demo_instance() -> None:
    if current_app.config["FALLTEAM_ENV"] == PRODUCTION or not current_app.config["FALLTEAM_DEMO"]:
        raise click.ClickException(
            "Nur in der Demo-Instanz erlaubt (FALLTEAM_DEMO, nicht im Produktionsmodus)."
        )


@click.group("demo", help="Demo-Instanz: Daten laden, Zugänge zeigen.")
def demo_cli() -> None:
    """Demo commands."""


@demo_cli.command("load")
@with_appcontext
def load_demo() -> None:
    """Load the demo data where it is missing (a second run changes nothing)."""
    _require_demo_instance()
    with unit_of_work():
        created = load_demo_users()
    with unit_of_work():
        case = load_demo_case()
    with unit_of_work():
        team = load_demo_team()
    with unit_of_work():
        past = load_demo_past_session()
    with unit_of_work():
        closed = load_demo_closed_case()
    click.echo(f"Demo-Daten: {len(created)} Konten neu angelegt.")
    if case is not None:
        click.echo(
            f"Demo-Fall {case.pseudonym} mit Genogramm und zwei "
            "Schweigepflichtsentbindungen angelegt."
        )
    if team is not None:
        click.echo(
            f"{team.name}: sechs ständige Mitglieder, Moderationsplan für sechs Monate "
            "veröffentlicht, nächste Woche drei Fälle angemeldet, Einladung in der Warteschlange."
        )
    if closed is not None:
        click.echo(
            f"Fall {closed.pseudonym} vor sechs Jahren abgeschlossen: Löschfrist abgelaufen "
            "(flask retention run --dry-run zeigt ihn)."
        )
    if past is not None:
        click.echo(
            "Sitzung der letzten Woche: zwei Fallprotokolle abgeschlossen, ein Thema für das "
            "Regionalteam, eine Wiedervorlage für die nächste Sitzung."
        )


@demo_cli.command("logins")
@with_appcontext
def show_logins() -> None:
    """Print the demo accounts and their passwords."""
    _require_demo_instance()
    click.echo("Demo-Zugänge (zweiter Faktor: flask --app wsgi demo totp BENUTZERNAME):")
    for demo in DEMO_USERS:
        click.echo(f"  {demo.username:<10} {demo.password:<28} {', '.join(demo.roles)}")


@demo_cli.command("totp")
@click.argument("username")
@with_appcontext
def show_totp(username: str) -> None:
    """Print the current second-factor code of a demo account."""
    _require_demo_instance()
    user = accounts.find_user_by_username(username)
    if user is None or user.username not in {d.username for d in DEMO_USERS}:
        raise click.ClickException(f"Kein Demo-Konto {username!r}.")
    secret = user.totp_secret
    if secret is None:
        raise click.ClickException("Für dieses Konto ist kein zweiter Faktor eingerichtet.")
    click.echo(totp.current_code(secret))
