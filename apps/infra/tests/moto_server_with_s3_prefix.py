"""moto_server, with the `s3:prefix` condition of identity policies evaluated as AWS evaluates it.

moto 5 enforces IAM (INITIAL_NO_AUTH_ACTION_COUNT) but passes no request values to a statement's Condition and
ignores every operator but StringEquals, so a listing limited by `s3:prefix` would be allowed for any prefix. This
launcher gives moto's statement check the request's `s3:prefix` (the `prefix` query parameter of a listing) and the
two operators the roles use, with IAM's rules: a key the request lacks fails the condition; `*` and `?` are
wildcards in StringLike; an Allow whose condition fails grants nothing (moto would answer an explicit deny).
Any other operator stops the server: a policy it cannot evaluate must not pass unseen.

Usage: python moto_server_with_s3_prefix.py -H 127.0.0.1 -p PORT (the arguments of moto_server).
"""

from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import parse_qs, urlparse

from moto.iam import access_control
from moto.iam.access_control import IAMPolicyStatement, IAMRequestBase, PermissionResult
from moto.server import main

_request = threading.local()


def _values(request: IAMRequestBase) -> dict[str, str]:
    """The condition keys of a request that the roles' policies name: s3:prefix of a listing."""
    query = parse_qs(urlparse(request._path).query, keep_blank_values=True)
    return {"s3:prefix": query["prefix"][0]} if "prefix" in query else {}


def _like(pattern: str, value: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


_OPERATORS = {
    "StringEquals": lambda expected, actual: expected == actual,
    "StringLike": _like,
}


def _conditions_hold(statement: dict[str, Any], values: dict[str, str]) -> bool:
    for operator, keys in statement.get("Condition", {}).items():
        if operator not in _OPERATORS:
            raise NotImplementedError(f"condition operator {operator} is not evaluated by this test server")
        for key, expected in keys.items():
            if key not in values:
                return False
            patterns = expected if isinstance(expected, list) else [expected]
            if not any(_OPERATORS[operator](p, values[key]) for p in patterns):
                return False
    return True


_original_statement_check = IAMPolicyStatement.is_action_permitted
_original_request_check = IAMRequestBase.check_action_permitted


def _statement_check(
    self: IAMPolicyStatement, action: str, resource: str = "*", *args: Any
) -> PermissionResult:
    statement = self._statement
    if "Condition" not in statement or "Action" not in statement or getattr(_request, "values", None) is None:
        return _original_statement_check(self, action, resource, *args)
    if not self._check_element_matches("Action", action):
        return PermissionResult.NEUTRAL
    if not _conditions_hold(statement, _request.values):
        return PermissionResult.NEUTRAL
    unconditional = {k: v for k, v in statement.items() if k != "Condition"}
    return _original_statement_check(IAMPolicyStatement(unconditional), action, resource, *args)


def _request_check(self: IAMRequestBase, resource: str) -> None:
    _request.values = _values(self)
    try:
        _original_request_check(self, resource)
    finally:
        _request.values = None


IAMPolicyStatement.is_action_permitted = _statement_check  # type: ignore[method-assign]
IAMRequestBase.check_action_permitted = _request_check  # type: ignore[method-assign]
assert access_control.IAMPolicyStatement.is_action_permitted is _statement_check

if __name__ == "__main__":
    main()
