"""Inventory intelligence: demand history, forecasts, (s, S) policies, transfers, reports.

- ``history`` / ``importing``: daily demand per SKU x warehouse from the ledger or a CSV,
  stockout days flagged as censored.
- ``classify`` / ``models`` / ``forecast``: demand classes, statsforecast candidates and the
  batch forecast with a model per series chosen by rolling-origin backtest.
- ``fallback``: rates borrowed by SKUs with no history.
- ``policy``: safety stock, reorder point, order-up-to level, purchase suggestions.
- ``service_level``: the fill rate an (R, s, S) policy achieves, and the reorder point for one.
- ``transfers``: moves between warehouses that cost less than the lost sales they avoid.
- ``reports``: projected stockouts, days of cover, fill rate, plots.

Use cases that tie them together live in ``lastmile.services.forecasting``.
"""
