"""Ausculta in-house CLAP-style encoder: data, protocol, training, export (see models/README.md)."""
