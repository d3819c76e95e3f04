"""The words the DPO's pages use for actions and outcomes of audit events (stored values stay
the English codes of ``models.AuditAction`` and ``models.Outcome``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from fallteam.audit.models import AuditAction, Outcome

ACTION_LABELS = {
    AuditAction.SIGN_IN: _l("Anmeldung"),
    AuditAction.SIGN_IN_FAILED: _l("Anmeldung fehlgeschlagen"),
    AuditAction.LOCKOUT: _l("Konto gesperrt (Fehlversuche)"),
    AuditAction.SIGN_OUT: _l("Abmeldung"),
    AuditAction.SESSION_EXPIRED: _l("Sitzung abgelaufen"),
    AuditAction.SECOND_FACTOR_SET_UP: _l("Zweiter Faktor eingerichtet"),
    AuditAction.RECOVERY_CODE_USED: _l("Wiederherstellungscode benutzt"),
    AuditAction.RECOVERY_CODES_ISSUED: _l("Wiederherstellungscodes ausgegeben"),
    AuditAction.PASSWORD_CHANGE: _l("Passwort geändert"),
    AuditAction.PASSWORD_CONFIRMATION_FAILED: _l("Passwortbestätigung fehlgeschlagen"),
    AuditAction.ACCOUNT_CREATE: _l("Konto angelegt"),
    AuditAction.ACCOUNT_UPDATE: _l("Konto geändert"),
    AuditAction.ACCOUNT_DEACTIVATE: _l("Konto deaktiviert"),
    AuditAction.ACCOUNT_REACTIVATE: _l("Konto reaktiviert"),
    AuditAction.PASSWORD_RESET: _l("Passwort zurückgesetzt"),
    AuditAction.SECOND_FACTOR_RESET: _l("Zweiter Faktor zurückgesetzt"),
    AuditAction.READ: _l("Lesen"),
    AuditAction.CREATE: _l("Anlegen"),
    AuditAction.UPDATE: _l("Ändern"),
    AuditAction.DELETE: _l("Löschen"),
    AuditAction.EXPORT: _l("Export"),
    AuditAction.REFUSE: _l("Zugriff verweigert"),
    AuditAction.KEY_ROTATION: _l("Schlüsselwechsel"),
    AuditAction.REENCRYPTION: _l("Neuverschlüsselung"),
    AuditAction.SHRED: _l("Krypto-Löschung"),
    AuditAction.CHECKPOINT: _l("Prüfpunkt"),
    AuditAction.RESTORE: _l("Wiederherstellung aus einer Sicherung"),
}

OUTCOME_LABELS = {
    Outcome.ALLOWED: _l("erlaubt"),
    Outcome.DENIED: _l("verweigert"),
}


def action_label(value: str) -> str:
    """The action in words (an unknown code as it is stored)."""
    label = ACTION_LABELS.get(value)
    return str(label) if label is not None else value


def outcome_label(value: str) -> str:
    """The outcome in words."""
    label = OUTCOME_LABELS.get(value)
    return str(label) if label is not None else value
