"""Geography: road network and travel-time matrices, conditions, addresses, geocoding.

Modules (imported on demand, so ``lastmile.geo.travel`` stays cheap to import):

- ``travel``: the ``TravelTimeSource`` interface, ``TravelMatrix`` and the haversine fallback.
- ``osm`` / ``network``: read an OSM extract, the drivable graph, snapping, the shipped network.
- ``road``: ``RoadTravelTimes``, the road-network ``TravelTimeSource`` (bulk Dijkstra).
- ``conditions``: rush-hour profile, weather, closures and slowdowns.
- ``addresses`` / ``gazetteer`` / ``matching`` / ``geocoder``: parse, validate, geocode.
- ``corrections``: positions learned from confirmed deliveries.
- ``defaults``: the shipped network, its travel times and geocoder, built once per process.
"""
