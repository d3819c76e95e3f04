"""The confidentiality pledge a guest or temporary team member confirms before first seeing
case content."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from fallteam.core.models import Base, CreatedTimestamp, UUIDPrimaryKey


class ConfidentialityPledge(UUIDPrimaryKey, CreatedTimestamp, Base):
    """One confirmation of the Verschwiegenheitspflicht (``created_dt``: when), with the text
    confirmed; a changed text is confirmed again."""

    __tablename__ = "confidentiality_pledges"
    __audit_type__ = "confidentiality_pledge"

    #: who confirmed
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    #: the text as it was shown (the setting ``CONFIDENTIALITY_PLEDGE_TEXT``)
    text: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<ConfidentialityPledge {self.user_id} {self.created_dt:%Y-%m-%d}>"
