"""Expected answer of every route, for every role and method.

Kept beside the tests on purpose: a new route that is not listed here fails the suite, and a
listed answer that the application does not give fails it too. Outcomes:

- ``ok``: the page or action is served (2xx, or a redirect that is not to the sign-in page)
- ``sign_in``: redirected to the sign-in page
- ``forbidden``: 403
"""

from __future__ import annotations

PRINCIPALS = ["anonymous", "fachkraft", "member", "guest", "dpo", "admin"]
ROLES = PRINCIPALS[1:]

OK, SIGN_IN, FORBIDDEN = "ok", "sign_in", "forbidden"


def public() -> dict[str, str]:
    """Everyone, signed in or not."""
    return dict.fromkeys(PRINCIPALS, OK)


def signed_in() -> dict[str, str]:
    """Every role; anonymous visitors are sent to sign in."""
    return {"anonymous": SIGN_IN, **dict.fromkeys(ROLES, OK)}


def only(*roles: str) -> dict[str, str]:
    """These roles; other roles get 403, anonymous visitors are sent to sign in."""
    return {"anonymous": SIGN_IN, **{r: OK if r in roles else FORBIDDEN for r in ROLES}}


def always_to_sign_in() -> dict[str, str]:
    """Sign-out: everyone ends on the sign-in page."""
    return dict.fromkeys(PRINCIPALS, SIGN_IN)


def sign_in_step() -> dict[str, str]:
    """A step of a sign-in in progress: without one, visitors go back to the sign-in page and
    signed-in users to their start page."""
    return signed_in()


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
}
