"""Retention and deletion (Löschfristen, § 84 SGB X, § 9b SGB VIII): closing cases, retention
classes and deletion dates, restriction (Sperrung) and dispute flags, the daily retention run
with its four-eyes confirmation, crypto-shredding and deletion certificates."""
