"""Declarative base, mixins, the request lifecycle and error pages."""
