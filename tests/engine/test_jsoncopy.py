"""json_copy: the run's own copy of a job's task settings shares nothing a later change could reach."""

import copy
import datetime

from simulator.engine.jsoncopy import json_copy


def test_json_copy_equals_deepcopy_and_shares_no_container() -> None:
    original = {
        "task_key": "t",
        "depends_on": [{"task_key": "a"}],
        "libraries": [{"pypi": {"package": "x"}}],
        "when": datetime.date(2024, 1, 2),
        "tags": {1, 2},
        "n": 1.5,
        "ok": True,
        "none": None,
    }
    copied = json_copy(original)
    assert copied == copy.deepcopy(original)
    copied["depends_on"][0]["task_key"] = "b"
    copied["libraries"][0]["pypi"]["package"] = "y"
    copied["tags"].add(3)
    assert original["depends_on"] == [{"task_key": "a"}]
    assert original["libraries"] == [{"pypi": {"package": "x"}}]
    assert original["tags"] == {1, 2}
