"""The `jobsim` command: serve the simulator, check scenario files, list routes and scenarios."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.server import collector

if TYPE_CHECKING:
    from simulator.server.settings import Settings
    from simulator.server.tls import TlsFiles

log = logging.getLogger("jobsim")


def build_parser() -> argparse.ArgumentParser:
    from simulator.server.settings import DEFAULT_MAX_RUNS

    parser = argparse.ArgumentParser(
        prog="jobsim",
        description="A stateful, contract-true simulator of data-platform job APIs "
        "(Databricks Jobs, Collibra DQ and DGC, DQOps, CDQ) on one port.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="start the simulator",
        description="Start the simulator with every registered API on one port. The control API is under /_sim/.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to bind (default 8000; 0 picks a free one)")
    serve.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="FILE|NAME",
        help="load a scenario file, or a bundled one by name (databricks/task-failure); repeatable",
    )
    serve.add_argument("--no-defaults", action="store_true", help="do not load each API's default scenario")
    serve.add_argument("--seed", type=int, help="seed ids and random choices so the same scenario repeats exactly")
    serve.add_argument("--speed", type=float, default=1.0, help="how fast simulated time runs (default 1.0)")
    serve.add_argument(
        "--virtual-clock",
        action="store_true",
        help="start with a frozen clock that moves only by POST /_sim/clock/advance",
    )
    serve.add_argument("--max-body", type=int, default=10 * 1024 * 1024, help="largest request body in bytes")
    serve.add_argument(
        "--max-runs",
        type=_positive_int,
        default=DEFAULT_MAX_RUNS,
        metavar="N",
        help=f"runs each API keeps per session (default {DEFAULT_MAX_RUNS:,}); over it the oldest ended runs are "
        "dropped, active ones never",
    )
    serve.add_argument(
        "--journal-size",
        type=_positive_int,
        default=10_000,
        metavar="N",
        help="requests the journal keeps per session (a ring buffer; default 10,000)",
    )
    serve.add_argument("--no-journal", action="store_true", help="do not record requests (a little faster)")
    serve.add_argument(
        "--max-sessions",
        type=_positive_int,
        default=1000,
        metavar="N",
        help="sessions held at once (default 1,000); one more gets 429",
    )
    serve.add_argument(
        "--response-validation",
        choices=("off", "warn", "strict"),
        default="strict",
        help="what to do when a response breaks its API document (default strict: answer 500)",
    )
    serve.add_argument(
        "--auth-token",
        action="append",
        default=[],
        metavar="TOKEN",
        help="accept only these bearer tokens on vendor APIs (repeatable; default: accept any)",
    )
    serve.add_argument(
        "--session-per-token",
        action="store_true",
        help="give every distinct token (bearer, X-API-KEY, Basic user:password) a session of its own, named "
        "tok-<16 hex digits of its SHA-256> (a token jobsim-session-<id> always picks session <id>)",
    )
    serve.add_argument(
        "--control-token",
        metavar="TOKEN",
        help="require this token (X-Jobsim-Control-Token or Bearer) on every /_sim/ call",
    )
    serve.add_argument(
        "--api",
        action="append",
        default=[],
        metavar="NAME|FOLDER",
        help="serve only these APIs; a FOLDER (with an api.yaml beside an OpenAPI document) is a declared API of "
        "your own, served with its scenarios/ (repeatable)",
    )
    serve.add_argument(
        "--spec",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="use your own OpenAPI file in place of a bundled one (NAME is its stem, e.g. "
        "databricks-jobs=./official.yaml)",
    )
    serve.add_argument("--state", metavar="FILE", help="start from a snapshot (GET /_sim/state) when FILE exists")
    serve.add_argument("--save-on-exit", action="store_true", help="write the state to --state FILE on shutdown")
    serve.add_argument(
        "--store",
        metavar="URL",
        help="keep sessions in Redis (redis://host:port/db) so replicas behind a proxy share them and a restart "
        "loses nothing saved (docs/deploy.md); default: in memory",
    )
    serve.add_argument("--replica", metavar="NAME", help="this replica's name with --store (default: the host name)")
    serve.add_argument(
        "--lease-ms",
        type=_positive_int,
        default=10_000,
        metavar="MS",
        help="with --store: how long a replica's hold on a session lasts unless renewed (default 10,000)",
    )
    serve.add_argument(
        "--save-interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="with --store: how often changed sessions are saved (default 1.0)",
    )
    serve.add_argument("--watch", action="store_true", help="reload changed --scenario files without a restart")
    serve.add_argument("--tls-cert", metavar="FILE", help="serve https with this certificate (PEM; with --tls-key)")
    serve.add_argument("--tls-key", metavar="FILE", help="the private key of --tls-cert (PEM)")
    serve.add_argument(
        "--tls-self-signed",
        metavar="DIR",
        help="serve https with a certificate made at start for localhost/127.0.0.1, written to DIR with the CA "
        "that signed it (DIR/ca.pem: point SSL_CERT_FILE or REQUESTS_CA_BUNDLE at it)",
    )
    serve.add_argument("--log-requests", action="store_true", help="log every request (off by default: speed)")

    check = commands.add_parser(
        "check",
        help="validate scenario files and declared APIs (an api.yaml, or its folder) without starting a server",
    )
    check.add_argument("files", nargs="+", metavar="FILE")

    commands.add_parser("routes", help="list every operation served")
    commands.add_parser("scenarios", help="list the bundled scenarios")
    return parser


def main(argv: list[str] | None = None) -> int:
    # The simulator's modules are imported below, with the collector paused (a server resumes it in
    # `collector.tune`): this module imports none of them at its top.
    with collector.paused():
        return _command(build_parser().parse_args(argv))


def _command(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "serve":
        return serve(args)
    from simulator.declared.vendor import load_folder
    from simulator.engine.scenario import ScenarioError
    from simulator.server.app import create_app

    if args.command == "check":
        declared = [name for name in args.files if _is_declared_api(Path(name))]
        failed = _check_declared(declared)
        rest = [name for name in args.files if name not in declared]
        if not rest:
            return 1 if failed else 0
        # A scenario checks against the bundled APIs and the declared ones named here, or the one whose folder
        # holds it (my-api/scenarios/x.yaml beside my-api/api.yaml).
        folders = {Path(name).parent if Path(name).is_file() else Path(name) for name in declared}
        folders |= {Path(n).parent.parent for n in rest if (Path(n).parent.parent / "api.yaml").is_file()}
        app = create_app(load_defaults=False)
        for folder in sorted(folders):
            try:
                vendor = load_folder(folder)
            except (ScenarioError, ValueError, OSError):
                continue  # reported above when named; a folder found beside a scenario is only a hint
            app.runtime.vendors[vendor.name] = vendor()
        for name in rest:
            try:
                scenario = app.runtime.parse(Path(name).read_text(encoding="utf-8"), name)
            except (ScenarioError, OSError) as exc:
                print(f"FAIL {exc}")
                failed += 1
            else:
                print(f"ok   {name}: api {scenario.api}, {len(scenario.plans)} plan(s)")
        return 1 if failed else 0
    app = create_app(load_defaults=False)
    if args.command == "routes":
        for doc in app.runtime.documents:
            for op in doc.operations:
                print(f"{doc.api:12} {op.method:7} {op.path:55} {op.operation_id}")
    elif args.command == "scenarios":
        for entry in app.runtime.available_scenarios():
            print(entry["ref"])
    return 0


def _is_declared_api(path: Path) -> bool:
    return path.name == "api.yaml" or (path.is_dir() and (path / "api.yaml").is_file())


def _check_declared(names: list[str]) -> int:
    """Check each declared API (an api.yaml or its folder); print ok or FAIL file:line: reason; count failures."""
    from simulator.declared.loader import ApiDeclarationError, load_declaration

    failed = 0
    for name in names:
        path = Path(name)
        folder = path if path.is_dir() else path.parent
        try:
            declaration = load_declaration(folder)
        except ApiDeclarationError as exc:
            print(f"FAIL {exc}")
            failed += 1
        else:
            runs = sum(1 for spec in declaration.resources.values() if spec.run is not None)
            print(
                f"ok   {name}: api {declaration.name}, {len(declaration.resources)} resource(s) ({runs} with a "
                f"lifecycle), {len(declaration.operations)} operation(s)"
            )
    return failed


def settings_from(args: argparse.Namespace) -> Settings:
    """The Settings of `jobsim serve` with these arguments (ValueError for a malformed one)."""
    from simulator.server.settings import Settings

    overrides = {}
    for item in args.spec:
        name, _, path = item.partition("=")
        if not path:
            raise ValueError(f"--spec wants NAME=FILE, got {item!r}")
        overrides[name] = Path(path)
    return Settings(
        host=args.host,
        port=args.port,
        scenarios=tuple(args.scenario),
        load_defaults=not args.no_defaults,
        seed=args.seed,
        speed=args.speed,
        clock_mode="virtual" if args.virtual_clock else "real",
        max_body=args.max_body,
        max_runs=args.max_runs,
        journal=not args.no_journal,
        journal_size=args.journal_size,
        max_sessions=args.max_sessions,
        response_validation=args.response_validation,
        log_requests=args.log_requests,
        auth_tokens=frozenset(args.auth_token),
        session_per_token=args.session_per_token,
        control_token=args.control_token,
        watch=args.watch,
        state_file=Path(args.state) if args.state else None,
        save_on_exit=args.save_on_exit,
        store=args.store,
        replica=args.replica,
        lease_ms=args.lease_ms,
        save_interval=args.save_interval,
        apis=tuple(name for name in args.api if not _is_folder_ref(name)),
        api_folders=tuple(Path(name) for name in args.api if _is_folder_ref(name)),
        spec_overrides=overrides,
    )


def serve(args: argparse.Namespace) -> int:
    from simulator.engine.scenario import ScenarioError
    from simulator.server.app import create_app, describe
    from simulator.server.serve import JobsimServer

    try:
        settings = settings_from(args)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.save_on_exit and not args.state:
        print("--save-on-exit needs --state FILE", file=sys.stderr)
        return 2
    try:
        app = create_app(settings)
    except (ScenarioError, ValueError, OSError) as exc:
        print(f"jobsim: {exc}", file=sys.stderr)
        return 2
    try:
        tls = _tls_files(args)
    except (ValueError, RuntimeError, OSError) as exc:
        print(f"jobsim: {exc}", file=sys.stderr)
        return 2
    if tls is not None and tls.ca is not None:
        log.info("https certificate authority written to %s (trust it: SSL_CERT_FILE=%s)", tls.ca, tls.ca)
    if not _is_loopback(args.host):
        log.warning("binding %s: the simulator and its /_sim/ control API are reachable from other machines", args.host)
    scenarios = [f"{s.api}/{s.name}" for s in app.runtime.startup_scenarios]
    log.info(
        "jobsim on %s://%s:%s (dashboard: /_sim/ui) | %s | scenarios: %s",
        "https" if tls else "http",
        args.host,
        args.port,
        "; ".join(describe(app)),
        ", ".join(scenarios) or "none",
    )
    # uvicorn re-raises the stop signal after its graceful shutdown; a quiet handler makes that an exit 0.
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, lambda *_: None)
    JobsimServer(
        app,
        args.host,
        args.port,
        log_requests=args.log_requests,
        tls_cert=tls.cert if tls else None,
        tls_key=tls.key if tls else None,
        after_start=collector.tune,
    ).run()
    return 0


def _tls_files(args: argparse.Namespace) -> TlsFiles | None:
    from simulator.server.tls import TlsFiles, self_signed

    if args.tls_self_signed:
        if args.tls_cert or args.tls_key:
            raise ValueError("give --tls-self-signed or --tls-cert/--tls-key, not both")
        hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")
        if args.host not in hosts and args.host not in ("0.0.0.0", "::"):
            hosts = (str(args.host), *hosts)
        return self_signed(Path(args.tls_self_signed), hosts)
    if bool(args.tls_cert) != bool(args.tls_key):
        raise ValueError("--tls-cert and --tls-key go together")
    if args.tls_cert:
        return TlsFiles(cert=Path(args.tls_cert), key=Path(args.tls_key))
    return None


def _is_folder_ref(value: str) -> bool:
    """`--api` names a folder (a declared API of the user's) rather than a served API's name."""
    return "/" in value or value.startswith(".") or (Path(value) / "api.yaml").is_file()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    import ipaddress  # only for a host given by address (1 ms of a start)

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


if __name__ == "__main__":
    raise SystemExit(main())
