"""Cartonization on real product sizes and weights (Olist sample, non-commercial)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from lastmile.fulfillment.cartonization import (
    BoxCatalogue,
    ItemTooLarge,
    PackUnit,
    fits_alone,
    pack,
    verify,
)


@pytest.fixture(scope="module")
def products(shared_dir):
    path = shared_dir / "data" / "orders" / "olist_sample" / "olist_products_dataset.csv"
    out = []
    with path.open() as fh:
        for r in csv.DictReader(fh):
            try:
                dims = tuple(
                    float(r[k])
                    for k in ("product_length_cm", "product_width_cm", "product_height_cm")
                )
                kg = float(r["product_weight_g"]) / 1000
            except ValueError:
                continue
            if min(*dims, kg) > 0:
                out.append(PackUnit(r["product_id"], "o", (dims[0], dims[1], dims[2]), kg))
    assert len(out) > 3000
    return out


def test_real_baskets_pack_into_sound_cartons_with_fewer_boxes_than_lines(products):
    rng = np.random.default_rng(3)
    catalogue = BoxCatalogue.standard()
    boxable = [p for p in products if any(fits_alone(p, b) for b in catalogue.boxes)]
    lines = cartons = 0
    for _ in range(150):
        basket = [boxable[i] for i in rng.choice(len(boxable), int(rng.integers(1, 6)))]
        packed = pack(basket, catalogue)
        assert all(verify(c) == [] for c in packed)
        assert sum(len(c.placements) for c in packed) == len(basket)
        lines += len(basket)
        cartons += len(packed)
    assert cartons < lines


def test_real_product_larger_than_every_box_is_refused_by_name(products):
    catalogue = BoxCatalogue.standard()
    too_big = next(p for p in products if not any(fits_alone(p, b) for b in catalogue.boxes))
    with pytest.raises(ItemTooLarge, match=too_big.sku_id):
        pack([too_big], catalogue)
