"""Summarise the Olist product sample into the distributions the scenario generator samples.

Source: Olist Brazilian E-Commerce Public Dataset (2016-2018), CC BY-NC-SA 4.0, the
4,000-order sample in ``../shared/data/orders/olist_sample/`` (see its SOURCES.md). The
raw rows are non-commercial and stay out of the package; only aggregate statistics
(category shares, log-normal parameters, quantiles, items-per-order and hour-of-day
shares) are written to ``src/lastmile/data/scenario/sku_distributions.json``.

Run from the project root::

    .venv/bin/python scripts/summarise_olist_products.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "orders" / "olist_sample"
TARGET = ROOT / "src" / "lastmile" / "data" / "scenario" / "sku_distributions.json"
TOP_CATEGORIES = 12
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
COLUMNS = ("product_weight_g", "product_length_cm", "product_width_cm", "product_height_cm")


def _lognormal(frame: pd.DataFrame) -> dict[str, object]:
    logs = np.log(frame[list(COLUMNS)].to_numpy(dtype=np.float64))
    return {
        "count": len(frame),
        "log_mean": np.round(logs.mean(axis=0), 5).tolist(),
        "log_cov": np.round(np.cov(logs, rowvar=False), 5).tolist(),
    }


def main() -> int:
    if not SOURCE.is_dir():
        print(f"{SOURCE} not found: the shared data folder must sit beside the project")
        return 1
    products = pd.read_csv(SOURCE / "olist_products_dataset.csv")
    names = pd.read_csv(SOURCE / "product_category_name_translation.csv")
    items = pd.read_csv(SOURCE / "olist_order_items_dataset.csv")
    orders = pd.read_csv(SOURCE / "olist_orders_dataset.csv")

    products = products.dropna(subset=list(COLUMNS))
    # A weight of 0 g is a data-entry gap, not a real product.
    products = products[(products[list(COLUMNS)] > 0).all(axis=1)]
    english = dict(
        zip(names.product_category_name, names.product_category_name_english, strict=True)
    )
    products = products.assign(category=products.product_category_name.map(english).fillna("other"))
    top = products.category.value_counts().head(TOP_CATEGORIES).index
    products = products.assign(
        category=products.category.where(products.category.isin(top), "other")
    )

    prices = items.merge(products[["product_id", "category"]], on="product_id")
    categories = {}
    for name, group in products.groupby("category"):
        price = prices.loc[prices.category == name, "price"]
        categories[str(name)] = {
            "share": round(len(group) / len(products), 5),
            **_lognormal(group),
            # Olist prices are in BRL; kept as relative value only.
            "price_median": round(float(price.median()), 2),
            "price_log_sd": round(float(np.log(price).std()), 4),
        }

    per_order = items.groupby("order_id").size()
    lines_share = per_order.clip(upper=4).value_counts(normalize=True).sort_index()
    hours = pd.to_datetime(orders.order_purchase_timestamp).dt.hour
    hour_share = hours.value_counts(normalize=True).reindex(range(24), fill_value=0.0)

    summary = {
        "source": "Olist Brazilian E-Commerce Public Dataset (CC BY-NC-SA 4.0), 4,000-order "
        "sample; aggregate statistics only, no rows. Made by "
        "scripts/summarise_olist_products.py.",
        "columns": ["weight_g", "length_cm", "width_cm", "height_cm"],
        "products": len(products),
        "quantiles": {
            col.removeprefix("product_"): {
                str(q): float(v) for q, v in products[col].quantile(list(QUANTILES)).items()
            }
            for col in COLUMNS
        },
        "categories": categories,
        "lines_per_order_share": {str(k): round(float(v), 5) for k, v in lines_share.items()},
        "units_per_line_share": {
            str(k): round(float(v), 5)
            for k, v in items.groupby(["order_id", "product_id"])
            .size()
            .clip(upper=3)
            .value_counts(normalize=True)
            .sort_index()
            .items()
        },
        "order_hour_share": [round(float(v), 5) for v in hour_share],
    }
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"wrote {TARGET.relative_to(ROOT)} from {len(products)} products")
    return 0


if __name__ == "__main__":
    sys.exit(main())
