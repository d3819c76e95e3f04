"""Loading what a URL names: the object or 404, and a part of a parent or 404 (a part of
another parent is as unknown as a missing one)."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from werkzeug.exceptions import NotFound

from fallteam.extensions import db

T = TypeVar("T")


def get_or_404(model: type[T], ident: Any) -> T:
    """The row of ``model`` with this id, or 404 (also for an id that is no UUID)."""
    try:
        key = ident if isinstance(ident, uuid.UUID) else uuid.UUID(str(ident))
    except ValueError:
        raise NotFound() from None
    row = db.session.get(model, key)
    if row is None:
        raise NotFound()
    return row


def part_or_404(parent: Any, model: type[T], ident: Any, *, via: str) -> T:
    """The row of ``model`` with this id if its ``via`` column names ``parent``, else 404."""
    part = get_or_404(model, ident)
    if getattr(part, via) != parent.id:
        raise NotFound()
    return part
