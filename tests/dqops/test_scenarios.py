"""DQOps scenario files: the bundled ones pass `jobsim check`; mistakes are refused with file, line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from dqops.client import AuthenticatedClient, Client
from dqops.client.api.jobs import get_all_jobs, get_job, run_checks, synchronize_folders
from dqops.client.models import (
    DqoJobStatus,
    FileSynchronizationDirection,
    FolderSynchronizationStatus,
    RunChecksParameters,
    SynchronizeMultipleFoldersDqoQueueJobParameters,
)

from simulator import create_app
from simulator.cli import main
from simulator.engine.scenario import ScenarioError
from tests.support import RunningServer, running_server

BUNDLED = sorted((Path(__file__).resolve().parents[2] / "scenarios" / "dqops").glob("*.yaml"))

GOOD = """\
jobsim: 1
name: ok
api: dqops
plans:
  - match: {job_type: run_checks}
    steps:
      - {state: queued, for: 1s}
      - {state: running, for: 2s}
      - state: finished
        attrs: {executed_checks: 3, errors: 1}
"""


@pytest.fixture(scope="module")
def runtime():
    return create_app(load_defaults=False, apis=("dqops",)).runtime


def test_bundled_scenarios_pass_jobsim_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert {p.stem for p in BUNDLED} >= {"default", "checks-with-errors", "failing-job", "slow-job"}
    assert main(["check", *map(str, BUNDLED)]) == 0
    assert capsys.readouterr().out.count("ok   ") == len(BUNDLED)


def test_every_bundled_scenario_says_what_it_does(runtime) -> None:
    for path in BUNDLED:
        assert len(runtime.parse(path.read_text(), str(path)).description) > 40, path


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (GOOD.replace("{state: queued, for: 1s}", "{state: pending, for: 1s}"), 6, "unknown state 'pending'"),
        (GOOD.replace("{state: queued, for: 1s}", "{state: running, for: 0s}"), 6, "cannot start"),
        (
            GOOD.replace("      - state: finished\n", "      - state: finished\n        result: SUCCESS\n"),
            9,
            "take no 'result'",
        ),
        (GOOD.replace("errors: 1", "errors: many"), 9, "whole number"),
        (GOOD.replace("errors: 1", "colour: 1"), 9, "unknown attr 'colour'"),
        (GOOD.replace("errors: 1", "highest_severity: bad"), 9, "highest_severity"),
        (
            GOOD.replace("{state: running, for: 2s}", "{state: running, for: 2s, message: x}").replace(
                "      - state: finished\n        attrs: {executed_checks: 3, errors: 1}\n", "      - {state: queued}\n"
            ),
            6,
            "'running' cannot move to 'queued'",
        ),
        (GOOD.replace("job_type: run_checks", "colour: red"), 5, "cannot match on 'colour'"),
        (GOOD + "data:\n  cron:\n    - {every: '0 3 * * *'}\n", 13, "data.cron.0.every"),
        (GOOD + "data:\n  jobs:\n    - {job_type: run_checks}\n", 13, "'ago' is a required property"),
        (GOOD + "data:\n  jobs:\n    - {job_type: queue_thread_shutdown, ago: 1m}\n", 13, "job_type"),
    ],
)
def test_bad_scenarios_name_file_line_and_reason(runtime, text: str, line: int, reason: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        runtime.parse(text, "bad.yaml")
    assert reason in str(caught.value)
    assert caught.value.line == line, str(caught.value)


def test_a_running_folder_synchronization_shows_in_the_folder_status(frozen: RunningServer) -> None:
    client = Client(base_url=frozen.url)
    body = SynchronizeMultipleFoldersDqoQueueJobParameters(direction=FileSynchronizationDirection.FULL, sources=True)
    synchronize_folders.sync(client=client, json_body=body, wait=False)
    frozen.advance(0.5)
    assert get_all_jobs.sync(client=client).folder_synchronization_status.sources == (
        FolderSynchronizationStatus.SYNCHRONIZING
    )
    frozen.advance(5)
    assert get_all_jobs.sync(client=client).folder_synchronization_status.sources == (
        FolderSynchronizationStatus.UNCHANGED
    )


def test_the_authenticated_client_sends_its_token() -> None:
    with running_server(apis=("dqops",), auth_tokens=frozenset({"s4mp13_4u7h_70k3n"})) as server:
        client = AuthenticatedClient(base_url=server.url, token="s4mp13_4u7h_70k3n")
        answer = run_checks.sync(client=client, json_body=RunChecksParameters(), wait=False, job_business_key="a")
        assert answer.status == DqoJobStatus.QUEUED
        assert get_job.sync("a", client=client).job_id.job_id == answer.job_id.job_id
        assert get_job.sync("a", client=Client(base_url=server.url)) is None  # 401 is not parsed either
