"""The pytest plugin, used by a test file of its own (pytester)."""

from __future__ import annotations

import pytest

PLUGIN_TESTS = """
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service import jobs

TASK = jobs.Task(task_key="t", notebook_task=jobs.NotebookTask(notebook_path="/x"), existing_cluster_id="c")


def test_a_run_succeeds(jobsim):
    w = WorkspaceClient(host=jobsim.base_url, token="t")
    run = w.jobs.run_now(w.jobs.create(name="plugin", tasks=[TASK]).job_id).result()
    assert run.state.result_state == jobs.RunResultState.SUCCESS
    jobsim.assert_requests({"operation": "jobsRunNow"}, exactly=1)


@pytest.mark.jobsim_scenario("databricks/task-failure")
def test_the_marker_loads_a_scenario(jobsim):
    w = WorkspaceClient(host=jobsim.base_url, token="t")
    run = w.jobs.run_now(w.jobs.create(name="plugin", tasks=[TASK]).job_id).result()
    assert run.state.result_state == jobs.RunResultState.FAILED


def test_sessions_are_isolated(jobsim):
    w = WorkspaceClient(host=jobsim.base_url, token="t")
    assert [j.settings.name for j in w.jobs.list() if j.settings.name == "plugin"] == []


def test_virtual_clock(jobsim):
    jobsim.freeze()
    before = jobsim.clock()["now"]
    jobsim.advance("1h")
    assert jobsim.clock()["now"] - before == pytest.approx(3600)
"""


@pytest.mark.slow  # a pytest of its own in a subprocess: CI runs it in the slow step
def test_plugin_fixtures_and_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_with_jobsim=PLUGIN_TESTS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
