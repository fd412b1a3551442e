"""Scenario files: refused with file, line and reason; `jobsim check` says the same without a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import create_app
from simulator.cli import main
from simulator.engine.safe_yaml import YamlError
from simulator.engine.scenario import ScenarioError, parse_duration


@pytest.fixture(scope="module")
def runtime():
    return create_app(load_defaults=False, apis=("databricks",)).runtime


GOOD = """\
jobsim: 1
name: ok
api: databricks
plans:
  - steps:
      - {state: PENDING, for: 1s}
      - {state: TERMINATED, result: SUCCESS}
"""


def test_a_good_scenario_parses(runtime) -> None:
    scenario = runtime.parse(GOOD, "good.yaml")
    assert scenario.api == "databricks" and scenario.plans[0].steps[0].seconds == 1.0


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (GOOD.replace("for: 1s", "for: soon"), 6, "plans.0.steps.0.for"),
        (GOOD.replace("api: databricks", "api: nosuch"), 3, "unknown api 'nosuch'"),
        (GOOD.replace("TERMINATED, result: SUCCESS", "TERMINATED"), 7, "needs a result"),
        (GOOD.replace("PENDING, for: 1s", "RUNNING, for: 1s"), 5, "cannot start"),
        (GOOD.replace("result: SUCCESS", "result: GREAT"), 7, "unknown result 'GREAT'"),
        (GOOD + "surprise: 1\n", 1, "surprise"),
        (GOOD.replace("  - steps:", "  - match: {colour: red}\n    steps:"), 5, "cannot match on 'colour'"),
        ("api: databricks\nplans: {a: 1\n  b: 2}\n", 3, "expected"),
    ],
)
def test_bad_scenarios_name_file_line_and_reason(runtime, text: str, line: int, reason: str) -> None:
    with pytest.raises(YamlError) as caught:
        runtime.parse(text, "bad.yaml")
    assert caught.value.source == "bad.yaml"
    assert caught.value.line == line, str(caught.value)
    assert reason in str(caught.value)
    assert str(caught.value).startswith(f"bad.yaml:{line}: ")


def test_yaml_bombs_and_tags_are_refused(runtime) -> None:
    bomb = (
        "a: &a [x, x]\n"
        + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(20))
        + "api: databricks\n"
    )
    with pytest.raises(YamlError, match="aliases expand"):
        runtime.parse(bomb, "bomb.yaml")
    with pytest.raises(YamlError):
        runtime.parse("api: !!python/object/apply:os.system ['true']\n", "tag.yaml")
    with pytest.raises(ScenarioError, match="larger than"):
        runtime.parse("api: databricks\n#" + "x" * (1024 * 1024), "big.yaml")


def test_every_bundled_scenario_passes_jobsim_check(capsys) -> None:
    root = Path(__file__).resolve().parents[2] / "scenarios"
    files = sorted(str(p) for p in root.glob("*/*.yaml"))
    assert files
    assert main(["check", *files]) == 0
    assert capsys.readouterr().out.count("ok ") == len(files)


def test_jobsim_check_fails_on_a_bad_file(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("for: 1s", "for: -1s"))
    assert main(["check", str(bad)]) == 1
    assert f"FAIL {bad}:6:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90.0), ("1m50s", 110.0), ("1h30m", 5400.0), ("2d", 172800.0), ("250ms", 0.25), ("1m0.5s", 60.5)],
)
def test_durations_may_combine_units(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "1", "m5", "1x", "1m 5s", "-1s"])
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


BAD_AGO = {
    "databricks": "jobs:\n    - settings: {name: x}\n      runs:\n        - {ago: soon}\n",
    "collibra-dq": "runs:\n    - {job: customer_orders_dq, ago: soon}\n",
    "collibra-dgc": "jobs:\n    - {name: x, type: IMPORT, ago: soon}\n",
    "cdq": "jobs:\n    - {type: DATA_CURATION_JOB, ago: soon}\n",
    "dqops": "jobs:\n    - {job_type: import_tables, ago: soon}\n",
}


@pytest.mark.parametrize("api", sorted(BAD_AGO))
def test_a_bad_duration_in_sample_data_is_refused_at_its_line(api: str) -> None:
    text = f"jobsim: 1\nname: bad-ago\napi: {api}\ndata:\n  {BAD_AGO[api]}"
    with pytest.raises(ScenarioError, match=r"bad\.yaml:\d+.*ago"):
        create_app(load_defaults=False, apis=(api,)).runtime.parse(text, "bad.yaml")


def test_a_bad_duration_in_sample_data_is_a_400_over_http(virtual_server) -> None:
    text = f"jobsim: 1\nname: bad-ago\napi: databricks\ndata:\n  {BAD_AGO['databricks']}"
    with virtual_server.client() as http:
        reply = http.post("/_sim/scenarios", content=text, headers={"Content-Type": "application/yaml"})
    assert reply.status_code == 400 and "ago" in reply.text, reply.text
