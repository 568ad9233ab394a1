"""Reflex components for consultations (the only Reflex code under ``consult``)."""
