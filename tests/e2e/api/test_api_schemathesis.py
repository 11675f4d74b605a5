"""Property-based calls against the OpenAPI schema: no 5xx, responses match the schema.

Every operation gets a few generated requests (bounded so the file runs in well under a
minute) with an admin key, against the app on the in-memory unit of work, straight-line
travel times and a stub road layer.
"""

from __future__ import annotations

import warnings
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from lastmile.api.app import create_app
from lastmile.config import Settings
from lastmile.routing.backends import make_solver
from lastmile.routing.solution import MaxSeconds
from lastmile.services.auth import Role
from tests.unit.api.conftest import StraightLine, seeded_uow


class QuickSolver:
    """PyVRP with a fixed 0.2 s budget, whatever the request asked for."""

    name = "pyvrp-quick"

    def solve(self, problem: Any, *, stop: Any, seed: int, initial: Any = None) -> Any:
        return make_solver("pyvrp").solve(problem, stop=MaxSeconds(0.2), seed=seed, initial=initial)


def _app() -> tuple[object, str]:
    uow = seeded_uow()
    app = create_app(
        Settings(database_url="sqlite://", max_body_bytes=100_000),
        uow_factory=lambda: uow,
        travel=StraightLine(),
    )
    app.state.ctx.cache["roads"] = {"type": "FeatureCollection", "features": []}
    app.state.ctx.solver = QuickSolver
    key = app.state.ctx.auth.create_key(name="fuzz", role=Role.ADMIN).secret
    return app, key


APP, KEY = _app()
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(
        # Streams until the client leaves.
        path="/api/v1/live"
    )


@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    # Generated cases only: schemathesis's boundary-value "coverage" cases arrive as
    # explicit examples, dozens per operation, which would blow the time budget.
    phases=[Phase.generate],
)
def test_every_operation_answers_without_5xx_and_as_documented(case: schemathesis.Case) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {KEY}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
