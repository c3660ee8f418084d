"""Writes for the rules, one module per job.

- ``gates``: the transition guard that checks the placement gates on propose and on activate;
- ``shifts``: entering shifts (one, a week grid, a file), attestation, exceptions filed with the authority;
- ``violations``: the violation workflow (acknowledge, propose a resolution, accept, reject, resolve);
- ``audit``: the working-time audit (set-based SQL, threaded) and the status audit;
- ``notices``: telling people about violations, and the monthly 信息通报.

Reads live in ``backend.rules.selectors``; the rules themselves are pure modules (``gates``, ``worktime``,
``status``, ``shift_files``).
"""
