"""The demo instance's accounts: one per role. Demo only; never loaded in production."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoUser:
    """An account of the demo instance with its published password."""

    username: str
    display_name: str
    email: str
    roles: tuple[str, ...]
    password: str


DEMO_USERS = (
    DemoUser("fachkraft", "Fr. Demir (ASD)", "fachkraft@demo.invalid", ("fachkraft", "member"),
             "Demo-Fachkraft-Passwort"),
    DemoUser("mitglied", "Hr. Albers (Jugendarbeit)", "mitglied@demo.invalid", ("member",),
             "Demo-Mitglied-Passwort"),
    DemoUser("gast", "Fr. Okafor (Jobcenter)", "gast@demo.invalid", ("guest",),
             "Demo-Gast-Passwort"),
    DemoUser("dsb", "Hr. Brandt (Datenschutz)", "dsb@demo.invalid", ("dpo",),
             "Demo-Datenschutz-Passwort"),
    DemoUser("admin", "Fr. Lindner (IT)", "admin@demo.invalid", ("admin",),
             "Demo-Admin-Passwort"),
)
