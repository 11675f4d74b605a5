"""Fulfillment: which warehouse ships each order, and how it is picked, packed and grouped.

- ``sourcing`` (with ``sourcing_model``, ``sourcing_arrays``, ``global_assign``,
  ``sourcing_diagnose``, ``legs``): batch sourcing of orders, in numpy, with a global
  assignment of contested stock and a reason for every line that must wait;
- ``waves``, ``layout``, ``pick_path``: pick waves timed by van departures, bin layouts,
  pick lists in walking order;
- ``cartonization``: the fewest cartons from a box catalogue, every placement verified;
- ``consolidation``: orders to one address, day and option become one shipment;
- ``inputs``: sourcing inputs read from CSV rows with file/line/column errors.

Import from the modules; this package imports nothing itself, so that importing one
capability does not load the solvers of all.
"""
