"""Placement rules: the policy figures, pure working-time and gate checks, the holiday calendar.

The modules ``policy``, ``worktime``, ``gates`` and ``calendar`` are pure Python (no ORM, no clock):
they take values and ``as_of`` dates and return findings. The Django parts of the app (models,
services, selectors, the audit) wrap them.
"""
