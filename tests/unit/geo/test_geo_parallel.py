"""Splitting the bulk Dijkstra over two processes gives exactly the single-process answer."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import random as sparse_random
from scipy.sparse.csgraph import dijkstra

from lastmile.geo.network import RoadNetwork
from lastmile.geo.parallel import MIN_ROWS_TO_SPLIT, dijkstra_rows
from lastmile.geo.road import RoadTravelTimes
from tests.unit.geo.geo_fakes import grid_extract


def test_two_processes_equal_one() -> None:
    rng = np.random.default_rng(3)
    graph = sparse_random(600, 600, density=0.01, random_state=rng, format="csr") * 100
    sources = rng.choice(600, MIN_ROWS_TO_SPLIT + 44, replace=False)
    dist = dijkstra_rows(graph, sources, workers=2)
    assert np.array_equal(dist, dijkstra(graph, indices=sources))


def test_small_jobs_stay_in_this_process() -> None:
    graph = sparse_random(50, 50, density=0.1, random_state=1, format="csr")
    dist = dijkstra_rows(graph, np.arange(10), workers=2)
    assert np.array_equal(dist, dijkstra(graph, indices=np.arange(10)))


def test_workers_other_than_one_or_two_are_refused() -> None:
    with pytest.raises(ValueError, match="not understood"):
        RoadTravelTimes(RoadNetwork(grid_extract()), workers=3)
