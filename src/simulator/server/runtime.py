"""The running simulator: its vendors, documents, router and sessions, and the operations the control API uses."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from simulator.contract.document import ApiDocument, SpecError, load_document
from simulator.contract.leniency import ParserRules
from simulator.contract.router import Router
from simulator.engine import snapshot
from simulator.engine.clock import Clock
from simulator.engine.scenario import Scenario, ScenarioError, parse_scenario
from simulator.engine.session import Session
from simulator.server.metrics import Metrics
from simulator.server.resources import is_bundled
from simulator.server.sessions import Sessions
from simulator.server.settings import Settings
from simulator.vendors.base import Vendor

log = logging.getLogger("jobsim")


class Runtime:
    """`control` builds the control API around this runtime (it sees the runtime through its constructor)."""

    def __init__(self, settings: Settings, vendors: Mapping[str, Vendor], control: Callable[[Runtime], Vendor]) -> None:
        self.settings = settings
        self.vendors: dict[str, Vendor] = dict(vendors)
        self.control = control(self)
        self.documents: list[ApiDocument] = []
        self.handler_aliases: dict[tuple[str, str], str] = {}
        for vendor in [*self.vendors.values(), self.control]:
            for spec_file in vendor.spec_files:
                path = settings.specs_dir / spec_file
                override = settings.spec_overrides.get(Path(spec_file).stem)
                own = _own_document(path, vendor)
                if override:
                    self.documents.append(_load_users_document(Path(override), vendor.name, vendor.parser_rules))
                    # A user's own document may name operations differently: serve them by method and path.
                    for op in own.operations:
                        self.handler_aliases[(op.method, op.path)] = op.operation_id
                else:
                    self.documents.append(own)
        operations = [op for doc in self.documents for op in doc.operations]
        mounted = [(prefix, doc.api) for doc in self.documents for prefix in doc.mount_prefixes]
        owned = [(prefix, doc.api) for doc in self.documents for prefix in doc.owned_prefixes]
        self.router = Router(operations, mounted, owned)
        self.startup_scenarios = [self.read_scenario(ref) for ref in self._startup_refs()]
        self.metrics = Metrics()
        self.sessions = Sessions(self._new_session, limit=settings.max_sessions)
        # Replicas sharing sessions through a store (simulator.store.replicated); None for one process in memory.
        self.deployment: Any = None

    # --- scenarios ------------------------------------------------------------------------------------------
    def read_scenario(self, ref: str) -> Scenario:
        """A scenario by path, by `api/name`, or by name alone (searched in the bundled scenarios)."""
        path = self.find_scenario(ref)
        return parse_scenario(path.read_text(encoding="utf-8"), str(path), self.vendors)

    def parse(self, text: str, source: str) -> Scenario:
        return parse_scenario(text, source, self.vendors)

    def find_scenario(self, ref: str) -> Path:
        candidate = Path(ref)
        if candidate.is_file():
            return candidate
        root = self.settings.scenarios_dir
        api, _, rest = ref.partition("/")
        own = self.scenario_dirs().get(api)
        for option in (root / f"{ref}.yaml", root / ref, *((own / f"{rest}.yaml",) if own and rest else ())):
            if option.is_file():
                return option
        named = sorted(root.glob(f"*/{ref}.yaml"))
        named += [d / f"{ref}.yaml" for d in self.scenario_dirs().values() if (d / f"{ref}.yaml").is_file()]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            choices = ", ".join(f"{p.parent.name}/{p.stem}" for p in named)
            raise ScenarioError(ref, None, f"scenario name is ambiguous: {choices}")
        raise ScenarioError(ref, None, "no such scenario file or name (see `jobsim scenarios`)")

    def scenario_dirs(self) -> dict[str, Path]:
        """Every API's scenario folder: the bundled scenarios/<api>/, or the one a user's declared API brings."""
        out = {}
        for name, vendor in self.vendors.items():
            own = getattr(vendor, "scenario_dir", None)
            out[name] = own if own is not None else self.settings.scenarios_dir / name
        return out

    def available_scenarios(self) -> list[dict[str, str]]:
        out = []
        for api, folder in sorted(self.scenario_dirs().items()):
            for path in sorted(folder.glob("*.yaml")):
                out.append({"api": api, "name": path.stem, "ref": f"{api}/{path.stem}"})
        return out

    def apply(self, session: Session, scenario: Scenario) -> None:
        vendor = self.vendors[scenario.api]
        session.plans.add(scenario)
        if scenario.clock:
            session.clock.configure(mode=scenario.clock.get("mode"), speed=scenario.clock.get("speed"))
        vendor.load_data(session.states[vendor.name], session, scenario)
        for rule in scenario.faults:
            session.faults.add({"api": scenario.api, **rule}, origin=scenario.source)

    def replace_startup_scenario(self, scenario: Scenario) -> None:
        """Put a changed start-up scenario in force: in new sessions, and (plans and faults) in existing ones."""
        self.startup_scenarios = [
            scenario if (s.api, s.name) == (scenario.api, scenario.name) or s.source == scenario.source else s
            for s in self.startup_scenarios
        ]
        for session_id in self.sessions.ids():
            session = self.sessions.get(session_id)
            session.plans.add(scenario)
            session.faults.remove_origin(scenario.source)
            for rule in scenario.faults:
                session.faults.add({"api": scenario.api, **rule}, origin=scenario.source)

    def _startup_refs(self) -> list[str]:
        refs = []
        if self.settings.load_defaults:
            folders = self.scenario_dirs()
            for vendor in self.vendors.values():
                if vendor.default_scenario and (folders[vendor.name] / f"{vendor.default_scenario}.yaml").is_file():
                    refs.append(f"{vendor.name}/{vendor.default_scenario}")
        refs.extend(self.settings.scenarios)
        return refs

    # --- sessions -------------------------------------------------------------------------------------------
    def _new_session(self, session_id: str, clock: Clock | None) -> Session:
        clock = clock or Clock(self.settings.clock_mode, self.settings.speed)
        session = self._empty_session(session_id, clock, self.settings.seed)
        for vendor in self.vendors.values():
            session.states[vendor.name] = vendor.new_state(session)
        for scenario in self.startup_scenarios:
            self.apply(session, scenario)
        return session

    def _empty_session(self, session_id: str, clock: Clock, seed: int | None) -> Session:
        settings = self.settings
        session = Session(
            session_id,
            clock,
            seed,
            journal_size=settings.journal_size,
            journal_enabled=settings.journal,
            max_runs=settings.max_runs,
        )
        session.states[self.control.name] = self.control.new_state(session)
        return session

    def export_session(self, session: Session) -> dict[str, Any]:
        """The whole world of a session as JSON (see `snapshot.export_session`)."""
        return snapshot.export_session(session, self.vendors, {"runtime": self})

    def import_session(self, session_id: str, data: Mapping[str, Any]) -> Session:
        """Rebuild a session from `export_session` output and put it in place of the session `session_id`."""
        session = snapshot.import_session(
            data,
            self.vendors,
            lambda clock, seed: self._empty_session(session_id, clock, seed),
            self.parse,
            {"runtime": self},
        )
        return self.sessions.replace(session)


def _own_document(path: Path, vendor: Vendor) -> ApiDocument:
    """A document a vendor names, each of its schemas compiled on first use. jobsim's own documents are not checked
    against the OpenAPI rules here: the tests check and compile them all (docs/decisions.md, "Schemas compiled on
    first use"); a user's declared API's are checked when it loads."""
    return load_document(path, vendor.name, check=not is_bundled(path), rules=vendor.parser_rules, lazy=True)


def _load_users_document(path: Path, api: str, rules: ParserRules) -> ApiDocument:
    """A user's own document is served even when it breaks the OpenAPI rules (vendor files often do); we warn.
    Its requests are read by the vendor's parser rules, like the bundled document's."""
    try:
        return load_document(path, api, rules=rules)
    except SpecError as exc:
        log.warning("%s (serving it anyway)", str(exc).splitlines()[0])
        return load_document(path, api, check=False, rules=rules)
