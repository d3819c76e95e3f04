"""Fallteam: the record system of a youth-welfare office's case conference."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask_babel
from flask import Flask

_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application; refuse to start (``ConfigurationError``) when settings are missing."""
    # why: ``import fallteam`` (the Flask plugin commands, the key CLI) must not load every
    # domain; the application's modules are loaded when an application is built.
    from fallteam import access, extensions
    from fallteam import models as _all_models  # noqa: F401  (every table known to the metadata)
    from fallteam.admin.blueprint import bp as admin_bp
    from fallteam.audit.cli import audit_cli
    from fallteam.auth import session as auth_session
    from fallteam.auth.blueprint import bp as auth_bp
    from fallteam.backup.cli import backup_cli
    from fallteam.cases.blueprint import bp as cases_bp
    from fallteam.config import finish_settings, load_settings
    from fallteam.consent.blueprint import bp as consent_bp
    from fallteam.core import database, errors, i18n, lifecycle
    from fallteam.crypto import runtime as crypto_runtime
    from fallteam.demo.cli import demo_cli
    from fallteam.dpo.blueprint import bp as dpo_bp
    from fallteam.dpo.cli import dpo_cli
    from fallteam.home.blueprint import bp as home_bp
    from fallteam.mail.blueprint import bp as mail_bp
    from fallteam.mail.cli import mail_cli
    from fallteam.meetings.blueprint.agenda import bp as agenda_bp
    from fallteam.meetings.blueprint.meeting import bp as meetings_bp
    from fallteam.protocols.blueprint import bp as protocols_bp
    from fallteam.protocols.cli import protocols_cli
    from fallteam.reports.blueprint import bp as reports_bp
    from fallteam.reports.cli import reports_cli
    from fallteam.resubmissions.blueprint import bp as resubmissions_bp
    from fallteam.resubmissions.cli import resubmissions_cli
    from fallteam.retention.blueprint import bp as retention_bp
    from fallteam.retention.cli import retention_cli
    from fallteam.teams import rotation
    from fallteam.teams.blueprint import bp as teams_bp

    settings = finish_settings(load_settings(config))
    app = Flask(
        "fallteam",
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(_ROOT / "templates"),
        static_folder=str(Path(__file__).parent / "static"),
    )
    app.config.from_mapping(settings)

    crypto_runtime.init_app(app)
    extensions.db.init_app(app)
    database.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(_ROOT / "migrations"), render_as_batch=True
    )
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    i18n.init_app(app)
    rotation.use_translations(flask_babel.gettext, flask_babel.ngettext)
    access.init_app(app)
    lifecycle.init_app(app)
    auth_session.init_app(app)
    errors.init_app(app)

    app.register_blueprint(home_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(consent_bp)
    app.register_blueprint(teams_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(agenda_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(resubmissions_bp)
    app.register_blueprint(protocols_bp)
    app.register_blueprint(dpo_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(retention_bp)
    app.cli.add_command(demo_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(dpo_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(resubmissions_cli)
    app.cli.add_command(protocols_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(retention_cli)
    return app
