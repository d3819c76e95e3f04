"""The tamper-evident audit log: events, their HMAC chain, signed checkpoints, verification."""
