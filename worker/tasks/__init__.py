"""Importing this package registers every task. Add your area's module to the list below."""

from importlib import import_module

TASK_MODULES = [
    "worker.tasks.core",
    "worker.tasks.agreements",
    "worker.tasks.signing",
    "worker.tasks.rules",
    "worker.tasks.subsidy",
    "worker.tasks.matching",
    "worker.tasks.journals",
    "worker.tasks.attendance",
    "worker.tasks.lifecycle",
]

for _module in TASK_MODULES:
    import_module(_module)
