"""Pure rules of the consent domain: how a group of participants is named.

Imports only the standard library, models and core.
"""

from __future__ import annotations

#: the kinds of participation a consent can name as recipients
PARTICIPANT_KINDS = {"member": "alle Fallteam-Mitglieder", "guest": "alle fallbezogenen Gäste"}
