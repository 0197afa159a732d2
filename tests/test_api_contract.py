"""The app against its own OpenAPI document, in process, with schemathesis and all its checks:
no server error, no undocumented status code, no answer that breaks its schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import auth, make_case

EXAMPLES = 10
#: Cross-field legal rules that JSON Schema cannot state (a named petitioner unless the petition
#: is anonymous; a second round only for complaints; no date in the future; the fields each
#: lifecycle move requires) answer 422 with a Vietnamese message. For these operations only the
#: "schema-valid data must be accepted" check is skipped; every other check still runs.
BUSINESS_RULES = {
    ("POST", "/api/v1/cases"),
    ("POST", "/api/v1/cases/{tracking_code}/actions/{action}"),
    ("GET", "/api/v1/policies/preview"),  # an acceptance date before the receipt date
    ("GET", "/api/v1/reports/summary"),  # a period that ends before it starts, an unknown unit code
}


def _checker(operation: Any, headers: dict[str, str]) -> Callable[[], None]:
    key = (operation.method.upper(), operation.path)
    excluded = [positive_data_acceptance] if key in BUSINESS_RULES else []

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True, database=None)
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    return check  # type: ignore[no-any-return]


def test_api_conforms_to_its_openapi_document(app: Any, client: Any, org: Any) -> None:
    headers = auth(client, "office")
    make_case(client, headers, category="TM")
    app.state.rate_limiter.key_rate = app.state.rate_limiter.anon_rate = 10**9
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            _checker(operation, headers)()
        except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert operations > 20
    assert not failures, "\n\n".join(failures)
