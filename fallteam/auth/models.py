"""User accounts, their roles, recovery codes and failed sign-in attempts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fallteam.core.models import Base, CreatedTimestamp, UUIDPrimaryKey, utcnow
from fallteam.crypto.types import EncryptedText


class Institution(UUIDPrimaryKey, CreatedTimestamp, Base):
    """Where a person works: the ASD, a service of the Landkreis, a freier Träger. One list,
    managed by the administration; every account and every consent recipient refers to an
    entry by its id, so coverage never depends on spelling or on a default."""

    __tablename__ = "institutions"
    __audit_type__ = "institution"

    #: the name shown everywhere, e.g. "Jobcenter/MAIA" or a freier Träger by name
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: deactivated entries are no longer offered; what refers to them keeps referring
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Institution {self.name}>"


class User(UUIDPrimaryKey, CreatedTimestamp, Base):
    """A person who signs in: staff, team member, guest, DPO or administrator."""

    __tablename__ = "users"
    __audit_type__ = "user"

    #: sign-in name, stored lower-case
    username: Mapped[str] = mapped_column(String(80), unique=True)
    #: name shown to colleagues
    display_name: Mapped[str] = mapped_column(String(200))
    #: work e-mail address (invitations, later)
    email: Mapped[str] = mapped_column(String(254))
    #: the institution the person works for (consents can name it); None for accounts that
    #: see no case content (administration, data protection)
    institution_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("institutions.id"), index=True
    )
    #: argon2id hash
    password_hash: Mapped[str] = mapped_column(String(255))
    #: set when an administrator chose the password; the user must replace it
    must_change_password: Mapped[bool] = mapped_column(default=True)
    #: TOTP secret, encrypted with the system data key (None until set up)
    # deferred: loaded (and opened) only where the second factor is checked or set up, not
    # with every request's signed-in user
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText(), deferred=True)
    #: whether the second factor was confirmed with a valid code
    totp_confirmed: Mapped[bool] = mapped_column(default=False)
    #: last TOTP time step accepted, so a code cannot be used twice
    totp_last_step: Mapped[int | None]
    #: rotating token that is the session's user id; changing it ends every session
    login_token: Mapped[str] = mapped_column(String(64), unique=True)
    #: deactivated accounts cannot sign in and lose every session
    active: Mapped[bool] = mapped_column(default=True)
    #: end of a time-limited account (a guest invited for one agenda item); None: no end
    expires_dt: Mapped[datetime | None]
    #: when the password was last set
    password_changed_dt: Mapped[datetime | None]
    #: last successful sign-in
    last_sign_in_dt: Mapped[datetime | None]

    #: the institution, for display
    institution: Mapped[Institution | None] = relationship()
    #: role assignments (names from security/policy.toml)
    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    #: one-time recovery codes (hashes)
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login protocol: the session stores the rotating token, never the primary key.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active and not self.expired()

    def expired(self, at: datetime | None = None) -> bool:
        """Whether a time-limited account has ended (at ``at``, default now)."""
        return self.expires_dt is not None and (at or utcnow()) >= self.expires_dt

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.login_token

    @property
    def role_names(self) -> list[str]:
        """Names of the roles held, sorted."""
        return sorted(r.role for r in self.roles)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(UUIDPrimaryKey, Base):
    """One role held by one user."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    #: the user
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: role name from the policy
    role: Mapped[str] = mapped_column(String(40))

    user: Mapped[User] = relationship(back_populates="roles")

    def __repr__(self) -> str:
        return f"<UserRole {self.role}>"


class RecoveryCode(UUIDPrimaryKey, CreatedTimestamp, Base):
    """A one-time code that replaces the second factor once (stored as a SHA-256 hash)."""

    __tablename__ = "recovery_codes"

    #: the owner
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: SHA-256 of the normalised code (codes are random, 50+ bits, so a fast hash suffices)
    code_hash: Mapped[str] = mapped_column(String(64))
    #: when it was used; used codes stay as a record
    used_dt: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="recovery_codes")

    def __repr__(self) -> str:
        return f"<RecoveryCode user={self.user_id} used={self.used_dt is not None}>"


class SignInFailure(UUIDPrimaryKey, Base):
    """A failed sign-in attempt, by the name that was tried (known or not).

    Counting by the name tried, not by the account, makes an unknown name lock exactly like a
    real one, so the answers cannot tell them apart. Kept in the database so every worker and
    host sees the same count.
    """

    __tablename__ = "sign_in_failures"

    #: the sign-in name as typed, normalised
    username: Mapped[str] = mapped_column(String(80), index=True)
    #: when it happened
    attempted_dt: Mapped[datetime] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<SignInFailure {self.username} {self.attempted_dt}>"
