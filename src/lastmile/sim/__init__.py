"""The simulator: a seeded day on a real road network, replayed under other policies.

``scenario`` draws the world (``sites`` places warehouses and customers), ``world`` prices
it on the geo capability's roads, ``day`` runs it through the capabilities (``pipeline``,
``packing``, ``picking``, ``dispatch``, ``execution``), ``kpis`` and ``compare`` measure
it, ``report`` writes the HTML, ``session`` ties them together for the CLI, and ``store``
saves a day for the dashboard.
"""
