"""The JSON Schema of `api.yaml`, the file that declares a job API beside its OpenAPI document.

Served at GET /_sim/api-schema; `jobsim check` and the loader validate every api.yaml against it before the checks
that need the OpenAPI document (operationIds, states, templates). docs/declaring-an-api.md explains each part.
"""

from __future__ import annotations

from typing import Any

from simulator.declared.template import TIME_FORMATS
from simulator.engine.scenario import DURATION_SCHEMA
from simulator.exchange import PHASES

ACTIONS = ("create", "trigger", "get", "list", "update", "set-state", "cancel", "delete", "respond")
ID_STYLES = ("sequence", "uuid", "prefixed", "template", "given")
PAGING_STYLES = ("offset", "page", "token", "cursor", "keyset", "none")
FILTER_OPS = ("eq", "in", "like", "prefix", "suffix", "iprefix", "isuffix", "contains", "gte", "lte")
ERROR_KINDS = (
    "invalid",
    "not_found",
    "conflict",
    "unauthorized",
    "forbidden",
    "rate_limited",
    "method_not_allowed",
    "unavailable",
    "default",
)

_NAME = {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,62}$"}
_TEMPLATE: dict[str, Any] = {"description": "a response template (see docs/declaring-an-api.md)"}
_STEP: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["state"],
    "properties": {
        "state": {"type": "string", "minLength": 1},
        "for": DURATION_SCHEMA,
        "reads": {"type": "integer", "minimum": 1},
        "result": {"type": "string"},
        "message": {"type": "string"},
        "attrs": {"type": "object"},
    },
}
_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True}
# A cancel step is read when the cancel happens: `for` and `attrs` may be templates over the run at that moment
# (e.g. `for: {$default: $attrs.cancel_after, else: 0.3s}`; a `for` of `never` holds).
_CANCEL_STEP = {
    **_STEP,
    "properties": {**_STEP["properties"], "for": {"description": "a duration, `never`, or a template giving one"}},
}
_CARRY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["step"],
    "properties": {
        "start": {"description": "the value before the first step (default 0)"},
        "step": {"description": "a template: the value at the end of a step, from $state, $attrs, $timed, $carried"},
    },
}
_LIFECYCLE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["states", "terminal", "plan"],
    "properties": {
        "kind": {**_NAME, "description": "the plan kind scenarios name (default: the resource's name)"},
        "states": {**_STRINGS, "minItems": 1, "description": "every state, in the vendor's words"},
        "initial": {**_STRINGS, "description": "states a run may start in (default: the first state)"},
        "terminal": {**_STRINGS, "minItems": 1},
        "moves": {
            "type": "object",
            "additionalProperties": _STRINGS,
            "description": "allowed moves; default: any state to any later state of `states`, and any to terminal",
        },
        "phases": {
            "type": "object",
            "additionalProperties": {"enum": list(PHASES)},
            "description": "each state's neutral phase (for the dashboard and computed flags)",
        },
        "started": {**_STRINGS, "description": "states whose first entry is the run's start time"},
        "plan": {"type": "array", "minItems": 1, "items": _STEP, "description": "the default plan"},
        "cancel": {
            "type": "array",
            "minItems": 1,
            "items": _CANCEL_STEP,
            "description": "the steps a cancel follows",
        },
        "cancel_from": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": _CANCEL_STEP},
            "description": "state -> the steps a cancel follows from that state (in place of `cancel`); [] for none",
        },
        "carry": {
            "type": "object",
            "additionalProperties": _CARRY,
            "description": "values carried from step to step: each step's attrs get carried.<name>.from and .to",
        },
        "values": {
            "type": "object",
            "additionalProperties": _TEMPLATE,
            "description": "values computed from a run (templates), read as $values.<name> by renders and filters",
        },
        "shown": {"description": "a template: the state the dashboard shows (e.g. STATE/RESULT)"},
        "results": {
            "type": "object",
            "additionalProperties": _STRINGS,
            "description": "state -> the results a plan step of that state may carry (other states carry none)",
        },
        "attrs": {
            "type": "object",
            "additionalProperties": {"type": "object"},
            "description": "state (or *) -> the JSON Schema of the attrs a plan step of that state may carry",
        },
        "failure": {"type": "array", "minItems": 1, "items": _STEP, "description": "what a failed run looks like"},
        "match": {**_STRINGS, "description": "fields scenario plans may match on (besides name and id)"},
        "label": {"type": "string", "description": "a template: the run's name on the dashboard"},
    },
}

_RESOURCE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "id": {
            "type": "object",
            "additionalProperties": False,
            "required": ["style"],
            "properties": {
                "style": {"enum": list(ID_STYLES)},
                "field": {"type": "string", "description": "the stored field that holds the id (default: id)"},
                "start": {"type": "integer", "minimum": 0},
                "prefix": {"type": "string"},
                "template": {"type": "string"},
                "from": {"type": "string", "description": "a template: the id the client gives, when it gives one"},
                "type": {"enum": ["string", "integer"]},
            },
        },
        "parent": {
            "type": "object",
            "additionalProperties": False,
            "required": ["resource"],
            "properties": {
                "resource": _NAME,
                "field": {"type": "string", "description": "the stored field holding the parent's id"},
            },
        },
        "fields": {"type": "object", "description": "stored fields and their defaults (templates)"},
        "lifecycle": _LIFECYCLE,
        "not_found": {"type": "string", "description": "the not-found message (a template)"},
        "not_found_code": {"type": "string", "description": "the vendor's error code of a not-found item"},
        "conflict": {"type": "string", "description": "the message when a given id is taken (a template)"},
    },
}

_ORDER = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "by": {"description": "a template: the requested order (a key or a list of keys; - first: descending)"},
        "default": {"type": "string"},
        "keys": {"type": "object", "additionalProperties": {"type": "string"}},
        "nulls": {"enum": ["first", "last"], "description": "where items without the value go (default: first)"},
    },
}

_PAGING = {
    "type": "object",
    "additionalProperties": False,
    "required": ["style"],
    "properties": {
        "style": {"enum": list(PAGING_STYLES)},
        "offset": {"description": "a template: the requested offset"},
        "page": {"description": "a template: the requested page number"},
        "token": {"description": "a template: the page token or cursor sent"},
        "limit": {"description": "a template: the requested page size"},
        "default_limit": {"type": "integer", "minimum": 1},
        "max_limit": {"type": "integer", "minimum": 1},
        "unbound": {
            **_STRINGS,
            "description": "keyset: query parameters a cursor is not bound to (it is bound to all the others)",
        },
        "invalid": {"type": "string", "description": "keyset: the message for a cursor not issued (${token})"},
        "other_query": {"type": "string", "description": "keyset: the message for a cursor of another query"},
    },
}

_FILTER = {
    "type": "object",
    "additionalProperties": False,
    "required": ["field", "value"],
    "properties": {
        "field": {"type": "string", "description": "a path in the stored item: id, state, fields.x, parent.id"},
        "value": {"description": "a template: the requested value (None: no filter)"},
        "op": {
            "description": f"{', '.join(FILTER_OPS)} (i: case-insensitive), or a template giving one",
            "anyOf": [{"enum": list(FILTER_OPS)}, {"type": "string", "pattern": "^\\$"}, {"type": "object"}],
        },
        "any": {"description": "a requested value that means no filter (e.g. ~)"},
        "values": {"type": "object", "description": "requested value -> stored value (e.g. a status code -> state)"},
    },
}

_OPERATION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["action"],
    "properties": {
        "action": {"enum": list(ACTIONS)},
        "public": {"type": "boolean", "description": "answered without credentials (e.g. a token endpoint)"},
        "view": {"type": "string", "description": "a render (by name) used in place of the resource's own"},
        "require": {
            "type": "array",
            "description": "conditions the action needs, checked on the item (or the request for create/trigger)",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["test"],
                "properties": {
                    "test": {"description": "a template: true (or a non-empty value) to go on"},
                    "kind": {"enum": ["conflict", "invalid", "not_found", "forbidden"]},
                    "message": {"type": "string"},
                    "code": {"type": "string", "description": "the vendor's error code ($error.code)"},
                    "help": {"type": "string", "description": "a hint for the user ($error.help)"},
                },
            },
        },
        "resource": _NAME,
        "id": {"description": "a template: the id of the item acted on"},
        "parent": {"description": "a template: the parent's id"},
        "parent_any": {"description": "a parent value that means every parent (list only)"},
        "input": {"type": "object", "additionalProperties": {}, "description": "stored field -> template"},
        "state": {"type": "string", "description": "set-state: a template giving the target state"},
        "settable": _STRINGS,
        "when_terminal": {"enum": ["conflict", "ignore"]},
        "skip": {"description": "a template: when true, the action changes nothing and answers as if it had"},
        "conflict": {"type": "string", "description": "the conflict message (a template)"},
        "filter": {"type": "array", "items": _FILTER},
        "order": _ORDER,
        "paging": _PAGING,
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "body": _TEMPLATE,
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

_ERROR = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "body": _TEMPLATE,
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
_HEADERS = {"type": "object", "additionalProperties": _TEMPLATE}

_USERS = {
    "type": "object",
    "additionalProperties": False,
    "description": "callers are users a scenario declares (HTTP Basic or a bearer token), see docs",
    "properties": {
        "data": {"type": "string", "description": "the scenario data key listing the users (default: users)"},
        "namespace": {"type": "string", "description": "the URL whose UUIDv5 namespace gives each user's id"},
        "default": {"type": "string", "description": "the caller without credentials while no user is declared"},
        "admin": {"type": "string", "description": "the user name that is an admin unless a user says otherwise"},
    },
}

_DATA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["resource"],
    "properties": {
        "resource": _NAME,
        "item": {"type": "object", "description": "the JSON Schema of one item (id, ago, appears_after, plan too)"},
        "fields": {"type": "object", "description": "stored field -> template over $item"},
    },
}

API_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "$id": "https://jobsim.dev/schemas/api.schema.json",
    "title": "jobsim declared API (api.yaml)",
    "type": "object",
    "additionalProperties": False,
    "required": ["jobsim", "name", "resources", "operations"],
    "properties": {
        "jobsim": {"const": 1},
        "name": _NAME,
        "title": {"type": "string"},
        "document": {
            "description": "the OpenAPI file(s) beside api.yaml (default openapi.yaml); several serve one store",
            "oneOf": [{"type": "string"}, {"type": "array", "minItems": 1, "items": {"type": "string"}}],
        },
        "timestamps": {"type": "string", "description": f"{', '.join(TIME_FORMATS)} or a strftime pattern"},
        "parser": {
            "description": "how the vendor's server parses request JSON: a preset or the rules one by one",
            "oneOf": [
                {"enum": ["strict", "protobuf-json", "jackson"]},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        name: {"type": "boolean"}
                        for name in (
                            "numbers_as_strings",
                            "null_as_absent",
                            "get_body_params",
                            "scalar_coercion",
                            "ignore_unknown_properties",
                        )
                    },
                },
            ],
        },
        "auth": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "header": {"type": "string"},
                "schemes": {**_STRINGS, "description": "accepted words before the token (Bearer, Token, ...)"},
                "message": {"type": "string"},
                "challenge": {"type": "string", "description": "the WWW-Authenticate header of a 401"},
                "help": {"type": "string", "description": "a hint for the user of a 401 ($error.help)"},
                "users": _USERS,
            },
        },
        "data": {
            "type": "object",
            "additionalProperties": _DATA,
            "description": "the scenario `data` keys: sample items written flat, each key filling one resource",
        },
        "deprecated": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"headers": _HEADERS},
            "description": "headers on every answer (errors too) of an operation the document marks deprecated",
        },
        "resources": {"type": "object", "minProperties": 1, "additionalProperties": _RESOURCE},
        "operations": {"type": "object", "minProperties": 1, "additionalProperties": _OPERATION},
        "render": {"type": "object", "additionalProperties": _TEMPLATE},
        "envelope": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"item": _TEMPLATE, "list": _TEMPLATE},
        },
        "errors": {"type": "object", "additionalProperties": False, "properties": {k: _ERROR for k in ERROR_KINDS}},
    },
}


def api_schema() -> dict[str, Any]:
    return API_SCHEMA
