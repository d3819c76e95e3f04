"""Flask extensions, created unbound here and bound to the application in ``create_app``."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from fallteam.core.models import Base


def client_address() -> str:
    """The client's address as seen behind the configured number of proxies (ProxyFix)."""
    return request.remote_addr or "unbekannt"


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
migrate = Migrate()
limiter = Limiter(key_func=client_address)
