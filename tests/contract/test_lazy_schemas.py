"""The bundled documents are loaded unchecked and their operations and schemas compiled on first use: every one of
them must pass the OpenAPI rules and compile, and a request to an operation compiles (and checks by) its schemas as
an eagerly compiled document would."""

import shutil
from pathlib import Path

import pytest

from simulator import create_app
from simulator.contract.document import SpecError, load_document
from simulator.contract.router import Router
from simulator.exchange import Reply
from simulator.server.resources import is_bundled
from simulator.server.settings import Settings


def _schemas(app):  # type: ignore[no-untyped-def]
    for document in app.runtime.documents:
        for op in document.operations:
            yield from (s for s in (op.path_schema, op.query_schema, op.body_schema) if s is not None)
            yield from (spec.schema for spec in op.responses.values() if spec.schema is not None)


def _bundled_documents() -> list[tuple[str, Path]]:
    app = create_app(seed=1)
    return sorted({(doc.api, doc.path) for doc in app.runtime.documents if is_bundled(doc.path)})


@pytest.mark.parametrize("api, path", _bundled_documents(), ids=lambda value: getattr(value, "name", value))
def test_every_bundled_document_passes_the_openapi_rules(
    api: str, path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBSIM_CACHE_DIR", str(tmp_path))  # checked now, not read back from a cached verdict
    load_document(path, api, check=True)


def test_a_start_checks_only_documents_not_its_own(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """jobsim's documents (tested here) are served unchecked; a user's own is still checked at start (and served
    with a warning when it breaks the OpenAPI rules)."""
    assert {api for api, _ in _bundled_documents()} >= {"databricks", "dqops", "cdq", "collibra-dq", "jobsim"}
    with caplog.at_level("WARNING", logger="jobsim"):
        create_app(seed=1)
    assert "not a valid OpenAPI document" not in caplog.text
    own = tmp_path / "databricks-jobs.yaml"
    text = (Settings().specs_dir / own.name).read_text(encoding="utf-8")
    own.write_text(text.replace("openapi: 3.0.3", "openapi: 3.0.3\nunexpected-top-level: 1", 1), encoding="utf-8")
    with caplog.at_level("WARNING", logger="jobsim"):
        create_app(seed=1, spec_overrides={"databricks-jobs": own})
    assert "not a valid OpenAPI document: Additional properties are not allowed" in caplog.text


def test_every_bundled_schema_compiles() -> None:
    app = create_app(seed=1)
    schemas = list(_schemas(app))
    assert schemas
    for schema in schemas:
        assert schema.compile() is not None
        assert schema.compiled


def test_a_lazily_compiled_response_schema_still_refuses_a_bad_body() -> None:
    app = create_app(seed=1)
    router: Router = app.runtime.router
    op = router.match("GET", "/api/2.2/jobs/runs/get").operation
    assert op is not None
    spec = op.response_spec(200)
    assert spec is not None and spec.schema is not None
    checked = app.dispatcher._checked(Reply(200, {"run_id": "not a number"}), op, _Context())
    assert checked.status == 500
    assert checked.body["error_code"] == "JOBSIM_CONTRACT_VIOLATION"
    assert "breaks rule" in checked.body["message"]


class _Context:
    encoded = None
    scope = {"method": "GET"}


def test_templated_paths_route_by_their_shape() -> None:
    router: Router = create_app(seed=1).runtime.router
    assert router.match("GET", "/api/jobs/jobs/17").operation is not None  # DQOps, one path parameter
    assert router.match("GET", "/v2/jobs/abc").operation is not None  # CDQ
    found = router.match("GET", "/rest/dq/1.0/jobRuns/5")
    assert found.operation is not None and found.path_values
    assert router.match("GET", "/api/jobs/jobs/17/extra/segments").operation is None


def test_a_bundled_operation_compiles_when_first_read_as_an_eager_compile_does(tmp_path: Path) -> None:
    path = tmp_path / "databricks-jobs.yaml"  # a document of its own: none of its operations read before
    shutil.copyfile(Settings().specs_dir / path.name, path)
    lazy = {(op.method, op.path): op for op in load_document(path, "databricks", lazy=True).operations}
    eager = {(op.method, op.path): op for op in load_document(path, "databricks").operations}
    op = lazy[("POST", "/api/2.2/jobs/run-now")]
    assert op.pending is not None  # what routing and listing read is there; the rest waits
    assert (op.operation_id, op.deprecated, op.summary) == (
        eager[("POST", "/api/2.2/jobs/run-now")].operation_id,
        eager[("POST", "/api/2.2/jobs/run-now")].deprecated,
        eager[("POST", "/api/2.2/jobs/run-now")].summary,
    )
    assert op.body_schema is not None
    assert op.pending is None
    for key, compiled in eager.items():
        deferred = lazy[key]
        assert deferred.query_params == compiled.query_params
        assert deferred.path_params == compiled.path_params
        assert deferred.body_required == compiled.body_required
        assert deferred.body_media_types == compiled.body_media_types
        assert sorted(deferred.responses) == sorted(compiled.responses)
        assert (deferred.body_schema is None) == (compiled.body_schema is None)
    assert all(op.pending is None for op in lazy.values())
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = op.nothing  # type: ignore[attr-defined]


def test_an_operation_read_while_it_compiles_is_compiled_for_that_reader_too(tmp_path: Path) -> None:
    """What a second thread reading the operation mid-compile sees (a test beside a server thread): a field, not an
    AttributeError."""
    path = tmp_path / "databricks-jobs.yaml"
    shutil.copyfile(Settings().specs_dir / path.name, path)
    op = next(op for op in load_document(path, "databricks", lazy=True).operations if op.operation_id == "jobsRunNow")
    compile_it = op.pending
    assert compile_it is not None
    read_meanwhile: list[object] = []

    def compiling():  # type: ignore[no-untyped-def]
        if not read_meanwhile:
            read_meanwhile.append("reading")
            read_meanwhile.append(op.body_schema)  # another reader, before this compile has filled the fields
        return compile_it()

    op.pending = compiling
    assert op.query_params == ()
    assert read_meanwhile[1] is not None
    assert op.pending is None


def test_a_servers_schema_aliases_hold_in_lazily_compiled_operations(tmp_path: Path) -> None:
    """The 2.2 server reads JobTasks as JobTasks22 (1,000 tasks), the 2.1 server as JobTasks (100); the document's
    schemas become definitions when its first operation compiles."""
    path = tmp_path / "databricks-jobs.yaml"
    shutil.copyfile(Settings().specs_dir / path.name, path)
    lazy = {(op.method, op.path): op for op in load_document(path, "databricks", lazy=True).operations}
    task = {"task_key": "t", "notebook_task": {"notebook_path": "/n"}, "existing_cluster_id": "c"}
    body = {"name": "wide", "tasks": [{**task, "task_key": f"t{i}"} for i in range(101)]}
    schema_21 = lazy[("POST", "/api/2.1/jobs/create")].body_schema
    schema_22 = lazy[("POST", "/api/2.2/jobs/create")].body_schema
    assert schema_21 is not None and schema_22 is not None
    violation = schema_21.check(body)
    assert violation is not None and violation.path == "tasks"
    assert schema_22.check(body) is None


def test_an_alias_to_a_schema_the_document_lacks_is_refused_when_it_loads(tmp_path: Path) -> None:
    path = tmp_path / "databricks-jobs.yaml"
    text = (Settings().specs_dir / path.name).read_text(encoding="utf-8")
    path.write_text(text.replace("JobTasks: JobTasks22", "JobTasks: NoSuchSchema"), encoding="utf-8")
    with pytest.raises(SpecError, match="x-jobsim-schemas must map names of components/schemas"):
        load_document(path, "databricks", lazy=True)
