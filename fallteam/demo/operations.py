"""Loading the demo data on first start."""

from __future__ import annotations

from fallteam.auth import operations as accounts
from fallteam.auth.models import User
from fallteam.demo.data import DEMO_USERS


def load_demo_users() -> list[User]:
    """Create the demo accounts that do not exist yet, ready to use (second factor set up)."""
    created = []
    for demo in DEMO_USERS:
        if accounts.find_user_by_username(demo.username) is not None:
            continue
        user, _ = accounts.create_user(
            username=demo.username,
            display_name=demo.display_name,
            email=demo.email,
            roles=list(demo.roles),
        )
        accounts.set_password(user, demo.password, chosen_by_user=True)
        accounts.start_second_factor_setup(user)
        user.totp_confirmed = True
        created.append(user)
    return created
