"""Changes to accounts: passwords, second factor, recovery codes, roles, sign-in bookkeeping.

Every function flushes and never commits; the request lifecycle commits once.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from blinker import Namespace
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from fallteam.audit.models import AuditAction, Outcome
from fallteam.audit.operations import record
from fallteam.auth import passwords, totp
from fallteam.auth.models import Institution, RecoveryCode, SignInFailure, User, UserRole
from fallteam.core.models import utcnow
from fallteam.extensions import db

USERNAME_MAX = 80


_signals = Namespace()
#: sent (sender: the user) after an account's roles changed: the teams domain ends the
#: memberships the new roles no longer allow
roles_changed = _signals.signal("account-roles-changed")


class AccountError(ValueError):
    """A change to an account that the rules do not allow; the message is for the user."""


def normalise_username(name: str) -> str:
    """Sign-in names compare without case and surrounding blanks."""
    return name.strip().lower()[:USERNAME_MAX]


def _new_login_token() -> str:
    return secrets.token_urlsafe(32)


def end_all_sessions(user: User) -> None:
    """Rotate the login token: every session of ``user`` ends at its next request."""
    user.login_token = _new_login_token()
    db.session.flush()


def find_user_by_username(username: str, *, lock: bool = False) -> User | None:
    """The account with this sign-in name, if any (``lock``: held until the transaction ends,
    so parallel attempts on one account are counted one after the other)."""
    query = select(User).where(User.username == normalise_username(username))
    return db.session.scalar(query.with_for_update() if lock else query)


def find_user_by_login_token(token: str) -> User | None:
    """The active account whose current login token this is (the session's user id); a
    time-limited account that has ended no longer signs anyone in."""
    user = db.session.scalar(select(User).where(User.login_token == token, User.active.is_(True)))
    return user if user is not None and not user.expired() else None


def create_user(
    *,
    username: str,
    display_name: str,
    email: str,
    roles: list[str],
    institution: Institution | None = None,
) -> tuple[User, str]:
    """A new account and its one-time password, which the user must replace at first sign-in.

    An account that may see case content must name its institution
    (``ROLES_NEEDING_INSTITUTION``): consents are matched by it, and no account belongs to the
    ASD (or anywhere) by default."""
    username = normalise_username(username)
    if find_user_by_username(username) is not None:
        raise AccountError(_("Dieser Benutzername ist bereits vergeben."))
    _check_institution(roles, institution)
    one_time = _one_time_password()
    user = User(
        username=username,
        display_name=display_name.strip(),
        email=email.strip(),
        password_hash=passwords.hash_password(one_time),
        must_change_password=True,
        login_token=_new_login_token(),
        password_changed_dt=utcnow(),
        institution_id=institution.id if institution is not None else None,
    )
    user.roles = [UserRole(role=r) for r in sorted(set(roles))]
    db.session.add(user)
    db.session.flush()
    record(AuditAction.ACCOUNT_CREATE, user, details={"roles": user.role_names})
    return user, one_time


def _one_time_password() -> str:
    return "-".join(secrets.token_hex(3) for _ in range(4))


#: roles that see case content in some capacity: their accounts must name their institution
#: (consents are matched by it; nobody belongs to the ASD by default). The admin form asks
#: for it by the same set.
ROLES_NEEDING_INSTITUTION = frozenset({"fachkraft", "member", "guest"})


def _check_institution(roles: list[str], institution: Institution | None) -> None:
    if institution is None and ROLES_NEEDING_INSTITUTION & set(roles):
        raise AccountError(
            _("Bitte die Institution wählen (Konten mit Zugang zu Fällen brauchen eine).")
        )


def update_user(
    user: User,
    *,
    display_name: str,
    email: str,
    roles: list[str],
    institution: Institution | None,
) -> None:
    """Change name, address, institution and roles; a change of roles or institution ends the
    user's sessions.

    The rules are checked before anything changes, so a refused change leaves no trace.
    """
    wanted, before = set(roles), user.role_names
    if "admin" in before and "admin" not in wanted:
        _keep_an_administrator(user)
    _check_institution(roles, institution)
    changed = [
        name
        for name, new in (("display_name", display_name.strip()), ("email", email.strip()))
        if getattr(user, name) != new
    ]
    user.display_name = display_name.strip()
    user.email = email.strip()
    new_institution = institution.id if institution is not None else None
    if user.institution_id != new_institution:
        user.institution_id = new_institution
        end_all_sessions(user)
        changed.append("institution")
    if wanted != set(before):
        user.roles = [r for r in user.roles if r.role in wanted] + [
            UserRole(role=r) for r in sorted(wanted - set(before))
        ]
        end_all_sessions(user)
        changed.append("roles")
    db.session.flush()
    if changed:
        record(
            AuditAction.ACCOUNT_UPDATE,
            user,
            details={"fields": changed, "roles_before": before, "roles_after": user.role_names},
        )
    if "roles" in changed:
        roles_changed.send(user)


def _keep_an_administrator(leaving: User) -> None:
    others = db.session.scalar(
        select(func.count())
        .select_from(User)
        .join(UserRole)
        .where(UserRole.role == "admin", User.active.is_(True), User.id != leaving.id)
    )
    if not others:
        raise AccountError(_("Das letzte aktive Administrationskonto kann nicht entfernt werden."))


def set_password(user: User, new_password: str, *, chosen_by_user: bool) -> None:
    """Store a new password; every existing session of the user ends."""
    user.password_hash = passwords.hash_password(new_password)
    user.must_change_password = not chosen_by_user
    user.password_changed_dt = utcnow()
    end_all_sessions(user)
    record(AuditAction.PASSWORD_CHANGE if chosen_by_user else AuditAction.PASSWORD_RESET, user)


def reset_password(user: User) -> str:
    """A fresh one-time password (shown once to the administrator); the user must replace it."""
    one_time = _one_time_password()
    set_password(user, one_time, chosen_by_user=False)
    return one_time


def deactivate_user(user: User, *, actor: User) -> None:
    """Lock the account; every session ends at once."""
    if user.id == actor.id:
        raise AccountError(_("Sie können Ihr eigenes Konto nicht deaktivieren."))
    if "admin" in user.role_names:
        _keep_an_administrator(user)
    user.active = False
    end_all_sessions(user)
    record(AuditAction.ACCOUNT_DEACTIVATE, user)


def reactivate_user(user: User) -> None:
    """Allow the account to sign in again."""
    user.active = True
    db.session.flush()
    record(AuditAction.ACCOUNT_REACTIVATE, user)


# --- sign-in bookkeeping -------------------------------------------------------------------


@dataclass(frozen=True)
class SignInAttempt:
    """Outcome of the password step. ``user`` is set only when name and password matched."""

    user: User | None
    locked: bool


def _failure_window_start():
    minutes = current_app.config["SIGNIN_FAILURE_WINDOW_MINUTES"]
    return utcnow() - timedelta(minutes=minutes)


def _failures(key: str) -> int:
    """Failures counted under ``key`` (a normalised sign-in name or a confirmation key)
    within the window."""
    return db.session.scalar(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.username == key, SignInFailure.attempted_dt >= _failure_window_start())
    )


def recent_failures(username: str) -> int:
    """Failed attempts for this sign-in name within the window."""
    return _failures(normalise_username(username))


def is_locked(username: str) -> bool:
    """Whether this sign-in name has used up its attempts for now."""
    return recent_failures(username) >= current_app.config["SIGNIN_MAX_FAILURES"]


def _confirmation_key(user: User) -> str:
    """The key the password confirmation failures of ``user`` are counted under. Upper case:
    typed sign-in names are lower-cased, so no sign-in attempt can count here."""
    return f"CONFIRMATION {user.id}"


def _add_failure(key: str) -> bool:
    """One failure under ``key``; whether it was the one that reached the limit."""
    db.session.add(SignInFailure(username=key, attempted_dt=utcnow()))
    db.session.flush()
    return _failures(key) == current_app.config["SIGNIN_MAX_FAILURES"]


def _record_denied(action: AuditAction, user: User | None, details: dict | None = None) -> None:
    """Audit a refused attempt (sign-in, confirmation, lockout) of ``user`` as its actor."""
    record(action, user, actor=user, outcome=Outcome.DENIED, details=details)


def record_failure(username: str, *, reason: str, user: User | None = None) -> None:
    """Count one failed attempt (wrong password, unknown name or wrong second factor).

    The audit event names the account when there is one, never the name that was typed
    (it may be a mistyped password).
    """
    _record_denied(AuditAction.SIGN_IN_FAILED, user, {"reason": reason})
    if _add_failure(normalise_username(username)):
        _record_denied(AuditAction.LOCKOUT, user)


class Confirmation(enum.Enum):
    """Outcome of re-entering the own password before a sensitive step."""

    CONFIRMED = "confirmed"
    WRONG = "wrong"
    #: refused: the confirmation step is locked (the session goes on)
    LOCKED = "locked"
    #: this failure locked the confirmation step, and every session of the user has ended
    LOCKED_OUT = "locked_out"


def confirm_password(user: User, password: str, *, step: str) -> Confirmation:
    """Check the password a signed-in user re-enters for ``step`` (e.g. ``password_change``).

    Re-entering is guessing like a sign-in: a failure is audited and counts towards the
    sign-in lockout of the name. The confirmation failures are also counted for the user on
    their own, and only they lock this step: while it is locked even the right password is
    refused, and the failure that locks it ends the user's sessions, so a session used for
    guessing is gone. Failed sign-ins by others (anyone can type the name) neither lock this
    step nor end the owner's sessions.
    """
    purge_old_failures()
    # Held until the transaction ends, so parallel guesses are counted one after the other.
    find_user_by_username(user.username, lock=True)
    key = _confirmation_key(user)
    if _failures(key) >= current_app.config["SIGNIN_MAX_FAILURES"]:
        details = {"step": step, "reason": "locked"}
        _record_denied(AuditAction.PASSWORD_CONFIRMATION_FAILED, user, details)
        return Confirmation.LOCKED
    if passwords.verify_password(user.password_hash, password):
        return Confirmation.CONFIRMED
    details = {"step": step, "reason": "password"}
    _record_denied(AuditAction.PASSWORD_CONFIRMATION_FAILED, user, details)
    sign_in_locked = _add_failure(user.username)
    step_locked = _add_failure(key)
    if sign_in_locked or step_locked:
        _record_denied(AuditAction.LOCKOUT, user)
    if step_locked:
        end_all_sessions(user)
        return Confirmation.LOCKED_OUT
    return Confirmation.WRONG


def check_password(username: str, password: str) -> SignInAttempt:
    """The password step. Known and unknown names take the same path and the same time."""
    # Old attempts no longer count and may hold mistyped passwords: drop them as we go.
    purge_old_failures()
    user = find_user_by_username(username, lock=True)
    if is_locked(username):
        _record_denied(AuditAction.SIGN_IN_FAILED, user, {"reason": "locked"})
        return SignInAttempt(user=None, locked=True)
    usable = user is not None and user.is_active
    if passwords.verify_password(user.password_hash if usable else None, password) and usable:
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        return SignInAttempt(user=user, locked=False)
    reason = "unknown_account" if user is None else "inactive" if not user.is_active else "password"
    record_failure(username, reason=reason, user=user)
    return SignInAttempt(user=None, locked=False)


def complete_sign_in(user: User, *, method: str) -> None:
    """Both factors passed: note the time and forget the failed attempts of this name."""
    user.last_sign_in_dt = utcnow()
    db.session.execute(delete(SignInFailure).where(SignInFailure.username == user.username))
    db.session.flush()
    record(AuditAction.SIGN_IN, user, actor=user, details={"second_factor": method})


def sign_out(user: User) -> None:
    """End every session of ``user`` (sign-out from one device ends them all)."""
    end_all_sessions(user)
    record(AuditAction.SIGN_OUT, user, actor=user)


def note_session_expired(user: User, *, reason: str) -> None:
    """A session ended by timeout."""
    record(AuditAction.SESSION_EXPIRED, user, actor=user, details={"reason": reason})


def purge_old_failures() -> int:
    """Drop failed attempts older than the window (they no longer count)."""
    result = db.session.execute(
        delete(SignInFailure).where(SignInFailure.attempted_dt < _failure_window_start())
    )
    return result.rowcount or 0


# --- second factor -------------------------------------------------------------------------


def start_second_factor_setup(user: User) -> str:
    """A new, unconfirmed TOTP secret (stored encrypted); returns it for the QR code."""
    secret = totp.new_secret()
    user.totp_secret = secret
    user.totp_confirmed = False
    user.totp_last_step = None
    db.session.flush()
    return secret


def verify_second_factor(user: User, code: str) -> bool:
    """Whether ``code`` is valid now and was not used before (replay protection).

    The step is claimed with a conditional update, so two parallel requests with the same
    code cannot both succeed.
    """
    secret = user.totp_secret
    if secret is None:
        return False
    step = totp.matching_step(secret, code)
    if step is None:
        return False
    claimed = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def confirm_second_factor(user: User, code: str) -> bool:
    """Finish the set-up with a first valid code."""
    if not verify_second_factor(user, code):
        return False
    user.totp_confirmed = True
    db.session.flush()
    record(AuditAction.SECOND_FACTOR_SET_UP, user, actor=user)
    return True


def reset_second_factor(user: User) -> None:
    """Forget the second factor and recovery codes; the user sets them up at next sign-in."""
    user.totp_secret = None
    user.totp_confirmed = False
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_all_sessions(user)
    record(AuditAction.SECOND_FACTOR_RESET, user)


def _code_hash(code: str) -> str:
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normalised.encode("ascii", "ignore")).hexdigest()


def issue_recovery_codes(user: User) -> list[str]:
    """Fresh one-time recovery codes (shown once); earlier unused codes stop working."""
    db.session.execute(
        delete(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_dt.is_(None))
    )
    codes = [
        f"{secrets.token_hex(3)}-{secrets.token_hex(3)}"
        for _ in range(current_app.config["RECOVERY_CODE_COUNT"])
    ]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(code)))
    db.session.flush()
    record(AuditAction.RECOVERY_CODES_ISSUED, user, actor=user, details={"count": len(codes)})
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one recovery code instead of the second factor."""
    # One conditional update: a code used in a parallel request is not used twice.
    spent = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(code),
            RecoveryCode.used_dt.is_(None),
        )
        .values(used_dt=utcnow())
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        return False
    record(AuditAction.RECOVERY_CODE_USED, user, actor=user)
    return True


def unused_recovery_codes(user: User) -> int:
    """How many recovery codes are left."""
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_dt.is_(None))
    )


def list_users() -> list[User]:
    """All accounts, by name."""
    return list(db.session.scalars(select(User).order_by(User.display_name)))
