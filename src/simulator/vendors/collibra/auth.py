"""Who is calling a Collibra API: HTTP Basic or bearer (JWT) credentials, checked against scenario users.

Shared by the Data Quality and the DGC packages. Without users in the scenario data every caller is let in: the
Basic user name or the JWT `sub` names the caller, and a request without credentials acts as `Admin`. With users,
missing or wrong credentials are a 401.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.engine.credentials import jwt_subject, read_basic
from simulator.headers import Headers
from simulator.vendors.collibra.errors import unauthorized

ADMIN = "Admin"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://jobsim.dev/collibra/users")


def user_id(name: str) -> str:
    """The stable id of a user name (a UUIDv5), used for startedBy, userId, createdBy."""
    return str(uuid.uuid5(_NAMESPACE, name))


def user_ref(value: str) -> str:
    """A user given in scenario data: a UUID stays as it is, a name becomes its id."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return user_id(value)


@dataclass(frozen=True, slots=True)
class User:
    """A user the scenario declares: credentials, admin flag, the permissions it holds and the job name patterns
    (`jobs`) its Data Quality job permissions apply to."""

    name: str
    id: str
    password: str | None = None
    token: str | None = None
    admin: bool = False
    permissions: frozenset[str] = frozenset()
    jobs: tuple[str, ...] = ("*",)


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated caller. `user` is None when the scenario defines no users (everything is allowed)."""

    name: str
    id: str
    admin: bool
    user: User | None = None

    @property
    def restricted(self) -> bool:
        return self.user is not None


@dataclass(slots=True)
class Users:
    """The scenario's users by name and by bearer token; false when it declares none (then every caller is let in)."""

    by_name: dict[str, User] = field(default_factory=dict)
    by_token: dict[str, User] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.by_name)

    def add(self, user: User) -> None:
        old = self.by_name.pop(user.name, None)
        if old is not None and old.token:
            self.by_token.pop(old.token, None)
        self.by_name[user.name] = user
        if user.token:
            self.by_token[user.token] = user

    def load(self, entries: Iterable[Mapping[str, Any]]) -> None:
        for entry in entries:
            name = str(entry["name"])
            self.add(
                User(
                    name=name,
                    id=user_ref(str(entry["id"])) if entry.get("id") else user_id(name),
                    password=entry.get("password"),
                    token=entry.get("token"),
                    admin=bool(entry.get("admin", name == ADMIN)),
                    permissions=frozenset(entry.get("permissions", ())),
                    jobs=tuple(entry.get("jobs", ("*",))),
                )
            )


def authenticate(headers: Headers, users: Users) -> Caller:
    value = headers.get("authorization")
    if value is None:
        if users:
            raise unauthorized("Authentication is required to access this resource.")
        return Caller(ADMIN, user_id(ADMIN), admin=True)
    scheme, _, credentials = value.strip().partition(" ")
    credentials = credentials.strip()
    scheme = scheme.lower()
    if scheme == "basic":
        name, password = _basic(credentials)
        if not users:
            return Caller(name, user_id(name), admin=name == ADMIN)
        user = users.by_name.get(name)
        if user is None or user.password is None or user.password != password:
            raise unauthorized("The user name or password is not valid.")
    elif scheme == "bearer" and credentials:
        if not users:
            name = jwt_subject(credentials) or credentials
            return Caller(name, user_id(name), admin=name == ADMIN)
        found = users.by_token.get(credentials)
        if found is None:
            raise unauthorized("The bearer token is not valid or has expired.")
        user = found
    else:
        raise unauthorized("The Authorization header is not HTTP Basic or Bearer credentials.")
    return Caller(user.name, user.id, admin=user.admin, user=user)


def _basic(credentials: str) -> tuple[str, str]:
    read = read_basic(credentials)
    if read is None:
        raise unauthorized("The Basic credentials cannot be read (not base64 of user:password).")
    return read


class ScenarioUsers:
    """Vendor mixin: the users a scenario declares authenticate every request (both Collibra APIs)."""

    def authenticate(self, headers: Headers, state: Any) -> Caller:
        return authenticate(headers, state.users)
