"""A DGC scenario for the tests: fixed job ids, owners alice/bob/Admin, jobs in every state."""

from __future__ import annotations

IMPORT_CSV = "00000000-0000-4000-8000-000000000001"
IMPORT_GLOSSARY = "00000000-0000-4000-8000-000000000002"
EXPORT = "00000000-0000-4000-8000-000000000003"
SYNC_CRM = "00000000-0000-4000-8000-000000000004"
SYNC_HR = "00000000-0000-4000-8000-000000000005"
REINDEX = "00000000-0000-4000-8000-000000000006"
LATE = "00000000-0000-4000-8000-000000000007"
FOR_BOB = "00000000-0000-4000-8000-000000000008"
VISIBLE = [IMPORT_CSV, IMPORT_GLOSSARY, EXPORT, SYNC_CRM, SYNC_HR, REINDEX, FOR_BOB]

SCENARIO = f"""\
jobsim: 1
name: dgc-tests
api: collibra-dgc
plans:
  - name: done
    named_only: true
    steps:
      - {{state: WAITING, for: 1s}}
      - {{state: RUNNING, for: 10s}}
      - {{state: COMPLETED, result: SUCCESS, message: All good.}}
  - name: partly
    named_only: true
    steps:
      - {{state: WAITING, for: 1s}}
      - {{state: RUNNING, for: 10s}}
      - {{state: COMPLETED, result: COMPLETED_WITH_ERROR}}
  - name: broken
    named_only: true
    steps:
      - {{state: WAITING, for: 1s}}
      - {{state: RUNNING, for: 10s, attrs: {{progress: 40}}}}
      - {{state: ERROR, result: FAILURE, message: Connection refused.}}
  - name: long
    named_only: true
    steps:
      - {{state: WAITING, for: 1s}}
      - {{state: RUNNING, for: 100s}}
      - {{state: COMPLETED, result: SUCCESS}}
  - name: queued
    named_only: true
    steps:
      - {{state: WAITING}}
  - name: forever
    named_only: true
    steps:
      - {{state: RUNNING, attrs: {{progress: 10}}}}
data:
  jobs:
    - {{id: {REINDEX}, name: Reindex search, type: SEARCH_REINDEX, user: Admin, ago: 5h, plan: forever,
        system: true, visible: false, cancelable: false}}
    - {{id: {IMPORT_CSV}, name: Import assets from CSV, type: IMPORT, user: alice, ago: 4h, plan: done}}
    - {{id: {IMPORT_GLOSSARY}, name: import Glossary, type: IMPORT, user: bob, ago: 3h, plan: partly}}
    - {{id: {EXPORT}, name: Export glossary, type: EXPORT, user: alice, ago: 2h, plan: broken}}
    - {{id: {FOR_BOB}, name: Zeta cleanup, type: CLEANUP, user: bob, createdBy: Admin, ago: 1h, plan: done}}
    - {{id: {SYNC_HR}, name: Sync HR, type: SYNCHRONIZATION, user: alice, ago: 30m, plan: queued}}
    - {{id: {SYNC_CRM}, name: Sync CRM, type: SYNCHRONIZATION, user: bob, plan: long}}
    - {{id: {LATE}, name: Late lineage refresh, type: LINEAGE, user: bob, appears_after: 30s}}
"""
