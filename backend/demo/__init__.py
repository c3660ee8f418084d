"""Demo data for `make run` (`manage.py seed_demo`, `manage.py demo_logins`).

The top of the import graph: it imports the other apps' models and services; no other module imports it
(`runall` lists the logins by calling the `demo_logins` command by name).
"""
