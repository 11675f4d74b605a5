"""An extract without drivable roads is refused with a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from lastmile.sim.osm_places import NoDrivableNetwork, read_places
from lastmile.sim.scenario import ScenarioConfig, generate

FOOTPATHS_ONLY = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test">
  <node id="1" version="1" lat="39.28" lon="-76.58"/>
  <node id="2" version="1" lat="39.281" lon="-76.581"/>
  <node id="3" version="1" lat="39.282" lon="-76.582">
    <tag k="addr:housenumber" v="12"/><tag k="addr:street" v="Park Walk"/>
  </node>
  <way id="10" version="1">
    <nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="footway"/><tag k="name" v="Park Walk"/>
  </way>
</osm>
"""


@pytest.fixture
def footpaths(tmp_path: Path) -> Path:
    path = tmp_path / "footpaths.osm"
    path.write_text(FOOTPATHS_ONLY)
    return path


def test_an_extract_with_only_footpaths_is_refused_by_name(footpaths: Path) -> None:
    with pytest.raises(NoDrivableNetwork, match="no drivable road network"):
        read_places(footpaths)


def test_the_scenario_generator_refuses_it_before_drawing_anything(footpaths: Path) -> None:
    with pytest.raises(NoDrivableNetwork, match=str(footpaths.name)):
        generate(ScenarioConfig(orders=5, vans=1, osm_path=footpaths))


def test_a_missing_extract_is_a_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_places(tmp_path / "nowhere.osm.pbf")


def test_another_citys_extract_runs_a_day(shared_dir: Path) -> None:
    from lastmile.sim.day import run_day
    from lastmile.sim.records import Budget, End
    from lastmile.sim.world import build_world

    osm = shared_dir / "data" / "osm" / "liechtenstein_valhalla_2015.osm.pbf"
    scenario = generate(ScenarioConfig(orders=30, vans=3, seed=2, osm_path=osm))
    assert all(w.location is not None and 47.0 < w.location.lat < 47.3 for w in scenario.warehouses)
    result = run_day(build_world(scenario), budget=Budget(wave_iterations=10, reopt_iterations=5))
    assert set(result.ends) == {o.order_id for o in scenario.orders}
    assert any(e.end is End.DELIVERED for e in result.ends.values())
