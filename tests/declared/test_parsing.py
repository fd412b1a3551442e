"""A declared API's parser rules (`parser:` in api.yaml) reach the contract layer, as a coded vendor's do."""

from __future__ import annotations

import httpx

from tests.support import RunningServer

TOKEN = {"Authorization": "Token t"}


def test_dbt_cloud_coerces_scalars_as_django_rest_framework_does(server: RunningServer) -> None:
    body = {"cause": "coerced", "threads_override": "4", "generate_docs_override": "true"}
    reply = httpx.post(f"{server.url}/api/v2/accounts/1/jobs/70001/run/", json=body, headers=TOKEN)
    assert reply.status_code == 200, reply.text
    trigger = reply.json()["data"]["trigger"]
    assert trigger["threads_override"] == 4 and trigger["generate_docs_override"] is True
    refused = httpx.post(
        f"{server.url}/api/v2/accounts/1/jobs/70001/run/", json={**body, "threads_override": "four"}, headers=TOKEN
    )
    assert refused.status_code == 400 and "threads_override" in refused.json()["status"]["user_message"]


def test_airflow_reads_a_number_as_a_decimal_string_but_not_a_word(server: RunningServer) -> None:
    # conf is free-form; the note is a string; limit in the query is coerced by the document's type anyway
    runs = f"{server.url}/api/v2/dags/example_etl/dagRuns"
    bearer = {"Authorization": "Bearer t"}
    assert httpx.get(runs, params={"limit": "2"}, headers=bearer).json()["dag_runs"].__len__() <= 2
    refused = httpx.get(runs, params={"limit": "two"}, headers=bearer)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["query", "limit"]
