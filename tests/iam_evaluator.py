"""A small IAM evaluator for identity policies, honest about what it supports.

AWS's rules, as far as our policies use them: a request is allowed when some statement
allows it and no statement denies it (an explicit Deny always wins; no Allow is an
implicit deny). A statement applies when its Action (or NotAction) matches the action,
its Resource (or NotResource) matches the resource, and every condition holds.

- Actions match case-insensitively, resources case-sensitively; `*` matches any run of
  characters (also `/` and `:`), `?` any one character.
- Conditions: every operator block and every key in it must hold; the values listed for
  one key are alternatives. Keys are case-insensitive. Supported operators: StringEquals,
  StringNotEquals, StringLike, StringNotLike, ArnEquals, ArnLike, ArnNotEquals,
  ArnNotLike, Bool, each with an optional `IfExists` suffix; and `ForAnyValue:` /
  `ForAllValues:` in front of the positive ones for multi-valued keys. `Null`: "true" holds
  when the key is missing from the request context, "false" when it is there.
- A key missing from the request context: a positive operator fails, a negated one holds,
  `IfExists` holds; `ForAnyValue` fails, `ForAllValues` holds.
- Anything else (another operator, a policy variable, a Principal) raises: the evaluator
  never guesses, so a test cannot pass on something it does not understand.

moto's evaluator is not used: it treats every operator but StringEquals as satisfied,
has no NotResource and matches actions case-sensitively.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY = "allow", "explicit deny", "implicit deny"

Context = Mapping[str, str | Sequence[str]]


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: Context = field(default_factory=dict)


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


@functools.cache
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    if "${" in pattern:
        raise ValueError(f"policy variables are not supported: {pattern}")
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _wildcard(pattern: str, value: str, *, ignore_case: bool) -> bool:
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


def _equals(pattern: str, value: str) -> bool:
    return pattern == value


def _like(pattern: str, value: str) -> bool:
    return _wildcard(pattern, value, ignore_case=False)


def _bool(pattern: str, value: str) -> bool:
    return str(pattern).lower() == str(value).lower()


# operator -> (match one policy value against one request value, negated)
_OPERATORS = {
    "StringEquals": (_equals, False),
    "StringNotEquals": (_equals, True),
    "StringLike": (_like, False),
    "StringNotLike": (_like, True),
    # AWS matches ARNs component by component, with wildcards in both operators.
    "ArnEquals": (_like, False),
    "ArnLike": (_like, False),
    "ArnNotEquals": (_like, True),
    "ArnNotLike": (_like, True),
    "Bool": (_bool, False),
}


def _lookup(context: Context, key: str) -> str | Sequence[str] | None:
    for name, value in context.items():
        if name.lower() == key.lower():
            return value
    return None


def _condition_holds(operator: str, key: str, wanted: Any, context: Context) -> bool:
    if operator == "Null":
        expected_missing = [str(v).lower() for v in _list(wanted)]
        if expected_missing not in (["true"], ["false"]):
            raise ValueError(f"Null takes true or false, not {wanted!r}")
        return (_lookup(context, key) is None) == (expected_missing == ["true"])
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if base not in _OPERATORS or qualifier not in ("", "ForAnyValue", "ForAllValues"):
        raise ValueError(f"condition operator {operator} is not supported")
    match, negated = _OPERATORS[base]
    if qualifier and negated:
        raise ValueError(f"condition operator {operator} is not supported")
    expected = [str(v) for v in _list(wanted)]
    present = _lookup(context, key)
    if qualifier == "ForAnyValue":
        values = [] if present is None else _list(present)
        return any(match(e, str(v)) for v in values for e in expected)
    if qualifier == "ForAllValues":
        values = [] if present is None else _list(present)
        return all(any(match(e, str(v)) for e in expected) for v in values)
    if present is None:
        return if_exists or negated
    if not isinstance(present, str):
        raise ValueError(f"{key} is multi-valued in the request: {operator} needs ForAnyValue/ForAllValues")
    found = any(match(e, present) for e in expected)
    return not found if negated else found


def _matches(patterns: Iterable[str], value: str, *, ignore_case: bool) -> bool:
    return any(_wildcard(p, value, ignore_case=ignore_case) for p in patterns)


def applies(statement: Mapping[str, Any], request: Request) -> bool:
    if "Principal" in statement or "NotPrincipal" in statement:
        raise ValueError("resource policies (Principal) are not supported")
    if "Action" in statement:
        action_matches = _matches(_list(statement["Action"]), request.action, ignore_case=True)
    else:
        action_matches = not _matches(_list(statement["NotAction"]), request.action, ignore_case=True)
    if "Resource" in statement:
        resource_matches = _matches(_list(statement["Resource"]), request.resource, ignore_case=False)
    else:
        resource_matches = not _matches(_list(statement["NotResource"]), request.resource, ignore_case=False)
    if not (action_matches and resource_matches):
        return False
    return all(
        _condition_holds(operator, key, wanted, request.context)
        for operator, block in statement.get("Condition", {}).items()
        for key, wanted in block.items()
    )


def decide(documents: Iterable[Mapping[str, Any]], request: Request) -> str:
    """ALLOW, EXPLICIT_DENY or IMPLICIT_DENY for `request` under all `documents` together."""
    effects = {
        statement["Effect"]
        for document in documents
        for statement in _list(document["Statement"])
        if applies(statement, request)
    }
    if "Deny" in effects:
        return EXPLICIT_DENY
    return ALLOW if "Allow" in effects else IMPLICIT_DENY
