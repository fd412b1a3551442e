"""Callers that are users a scenario declares (`auth.users` of an api.yaml): HTTP Basic or a bearer token.

Without users in the session every caller is let in: the Basic user name or the bearer token's JWT `sub` (else the
token itself) names the caller, and a request without credentials acts as the declared default user. Once a
scenario declares users, missing or wrong credentials are a 401. A caller is `{name, id, admin}` in templates
(`$caller.id`); ids are UUIDv5 of the name in the declared namespace, so sample data can name owners by name.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simulator.declared.loader import UsersSpec
from simulator.engine.credentials import jwt_subject, read_basic
from simulator.engine.credentials import users_schema as shared_users_schema
from simulator.exchange import ApiError, ErrorKind
from simulator.headers import Headers


@dataclass(frozen=True, slots=True)
class User:
    """A user a scenario declares: its id (see `user_id`), the Basic password or bearer token it authenticates with, and
    whether it is an admin."""

    name: str
    id: str
    password: str | None = None
    token: str | None = None
    admin: bool = False


def user_id(spec: UsersSpec, name: str) -> str:
    """A user's id: a UUID stays as it is (lower case), a name becomes its UUIDv5 in the declared namespace."""
    try:
        return str(uuid.UUID(name))
    except ValueError:
        return str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, spec.namespace), name))


def users_schema() -> dict[str, Any]:
    admin = {"type": "boolean", "description": "Default: whether the name is the declared admin."}
    return shared_users_schema(admin=admin)


def load_users(spec: UsersSpec, users: dict[str, User], entries: Iterable[Mapping[str, Any]]) -> None:
    for entry in entries:
        name = str(entry["name"])
        users[name] = User(
            name=name,
            id=user_id(spec, str(entry.get("id") or name)),
            password=entry.get("password"),
            token=entry.get("token"),
            admin=bool(entry.get("admin", name == spec.admin)),
        )


def authenticate(spec: UsersSpec, headers: Headers, users: Mapping[str, User], help_text: str | None) -> dict[str, Any]:
    value = headers.get("authorization")
    if value is None:
        if users:
            raise _unauthorized("Authentication is required to access this resource.", help_text)
        return _caller(spec, spec.default)
    scheme, _, credentials = value.strip().partition(" ")
    credentials = credentials.strip()
    scheme = scheme.lower()
    if scheme == "basic":
        name, password = _basic(credentials, help_text)
        if not users:
            return _caller(spec, name)
        user = users.get(name)
        if user is None or user.password is None or user.password != password:
            raise _unauthorized("The user name or password is not valid.", help_text)
    elif scheme == "bearer" and credentials:
        if not users:
            return _caller(spec, jwt_subject(credentials) or credentials)
        found = next((u for u in users.values() if u.token is not None and u.token == credentials), None)
        if found is None:
            raise _unauthorized("The bearer token is not valid or has expired.", help_text)
        user = found
    else:
        raise _unauthorized("The Authorization header is not HTTP Basic or Bearer credentials.", help_text)
    return {"name": user.name, "id": user.id, "admin": user.admin}


def _caller(spec: UsersSpec, name: str) -> dict[str, Any]:
    return {"name": name, "id": user_id(spec, name), "admin": name == spec.admin}


def _unauthorized(message: str, help_text: str | None) -> ApiError:
    error = ApiError(401, message, kind=ErrorKind.UNAUTHORIZED)
    error.help = help_text  # type: ignore[attr-defined]
    return error


def _basic(credentials: str, help_text: str | None) -> tuple[str, str]:
    read = read_basic(credentials)
    if read is None:
        raise _unauthorized("The Basic credentials cannot be read (not base64 of user:password).", help_text)
    return read
