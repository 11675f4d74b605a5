"use strict";
// The dispatcher's dashboard: map layers from the project's own data, live vans over SSE,
// boards refreshed from the JSON API. All text goes in through textContent, never innerHTML.
(function () {
  const { api, el, time } = window.lastmile;
  const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
  const map = L.map("map", { zoomControl: true, attributionControl: true });
  map.attributionControl.addAttribution("© OpenStreetMap contributors");
  map.setView([39.29, -76.61], 12);
  const roadRenderer = L.canvas({ padding: 0.2 });
  const layers = { roads: L.layerGroup().addTo(map), warehouses: L.layerGroup().addTo(map), routes: L.layerGroup().addTo(map), vans: L.layerGroup().addTo(map), disruptions: L.layerGroup().addTo(map) };
  const vans = new Map();
  const depots = new Map();
  let clicked = null;
  let placing = null;
  const status = document.getElementById("plan-status");

  async function loadRoads() {
    const roads = await api("/api/v1/map/roads");
    L.geoJSON(roads, { renderer: roadRenderer, style: { color: "#9aa5b1", weight: 1, opacity: 0.8 }, interactive: false }).addTo(layers.roads);
    if (roads.bbox) { map.fitBounds([[roads.bbox[1], roads.bbox[0]], [roads.bbox[3], roads.bbox[2]]]); }
  }

  async function loadWarehouses() {
    const page = await api("/api/v1/warehouses?limit=500");
    layers.warehouses.clearLayers();
    for (const w of page.items) {
      if (w.lat === null || w.lon === null) { continue; }
      depots.set(w.warehouse_id, [w.lat, w.lon]);
      L.circleMarker([w.lat, w.lon], { radius: 8, color: "#000", fillColor: "#ffd400", fillOpacity: 1, className: "warehouse-marker" })
        .bindTooltip(w.name).addTo(layers.warehouses);
    }
  }

  async function loadRoutes() {
    const page = await api("/api/v1/routes?limit=500");
    layers.routes.clearLayers();
    page.items.forEach((route, i) => {
      const color = COLORS[i % COLORS.length];
      const depot = depots.get(route.depot_id);
      const stops = route.stops.map(s => [s.lat, s.lon]);
      const line = depot ? [depot].concat(stops, [depot]) : stops;
      L.polyline(line, { color, weight: 4, opacity: 0.85, className: "route-line" })
        .bindTooltip(route.vehicle_id + " · " + route.stops.length + " stops").addTo(layers.routes);
      route.stops.forEach((s, j) => {
        L.circleMarker([s.lat, s.lon], { radius: 4, color, fillOpacity: 0.9, className: "stop-marker stop-" + s.status })
          .bindTooltip((j + 1) + ". " + s.status + " · ETA " + time(s.arrival)).addTo(layers.routes);
      });
    });
    document.getElementById("route-count").textContent = String(page.items.length);
  }

  async function loadOrders() {
    const board = await api("/api/v1/orders/board");
    const counts = document.getElementById("order-counts");
    counts.replaceChildren(...Object.entries(board.counts).map(([k, v]) => el("span", { "data-status": k }, k + ": " + v)));
    const list = document.getElementById("exceptions");
    list.replaceChildren(...board.exceptions.map(x => {
      const item = el("li", { "class": "exception exception-" + x.kind }, x.kind + " · " + x.order_external_id + " · " + x.detail);
      if (x.kind === "low_confidence_address") {
        // A person places the address: the next map click confirms it and validates the order.
        const button = el("button", { "type": "button", "class": "place" }, "Place on map");
        button.addEventListener("click", () => { placing = x; status.textContent = "Click the map where " + x.order_external_id + " is"; });
        item.append(" ", button);
      }
      return item;
    }));
    if (!board.exceptions.length) { list.replaceChildren(el("li", { "class": "muted" }, "No exceptions")); }
  }

  async function loadReorders() {
    const list = document.getElementById("reorders");
    try {
      const page = await api("/api/v1/reorders?limit=20");
      list.replaceChildren(...page.items.map(r => el("li", { "class": "reorder" }, r.sku_id + " @ " + r.warehouse_id + ": on hand " + r.on_hand + ", reorder point " + r.reorder_point + " → order " + r.suggested_quantity)));
      if (!page.items.length) { list.replaceChildren(el("li", { "class": "muted" }, "No reorder alerts")); }
    } catch (e) { list.replaceChildren(el("li", { "class": "muted" }, "Forecasts unavailable: " + e.message)); }
  }

  function bars(values, labels) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    const w = 240, h = 70, max = Math.max(1, ...values), bw = w / Math.max(1, values.length);
    svg.setAttribute("viewBox", "0 0 " + w + " " + h); svg.setAttribute("width", "100%"); svg.setAttribute("class", "chart");
    values.forEach((v, i) => {
      const r = document.createElementNS(ns, "rect");
      const bh = (v / max) * (h - 14);
      r.setAttribute("x", String(i * bw + 2)); r.setAttribute("y", String(h - 12 - bh));
      r.setAttribute("width", String(bw - 4)); r.setAttribute("height", String(bh)); r.setAttribute("fill", "#4a78c2");
      const t = document.createElementNS(ns, "title"); t.textContent = labels[i] + ": " + v; r.appendChild(t);
      svg.appendChild(r);
      const label = document.createElementNS(ns, "text");
      label.setAttribute("x", String(i * bw + bw / 2)); label.setAttribute("y", String(h - 2));
      label.setAttribute("font-size", "8"); label.setAttribute("text-anchor", "middle"); label.textContent = labels[i];
      svg.appendChild(label);
    });
    return svg;
  }

  async function loadKpis() {
    const k = await api("/api/v1/kpis");
    const box = document.getElementById("kpis");
    const rows = [["orders", k.orders_total], ["delivered", k.delivered], ["failed attempts", k.failed_attempts],
      ["on-time rate", (k.on_time_rate * 100).toFixed(1) + "%"], ["routes", k.routes], ["km planned", k.distance_km.toFixed(1)],
      ["cost", k.cost.toFixed(2)], ["CO₂ kg", k.co2_kg.toFixed(1)]];
    box.replaceChildren(...rows.map(([n, v]) => { const d = el("div", { "class": "kpi" }); d.append(el("span", {}, n), el("strong", {}, v)); return d; }));
    box.append(el("h3", {}, "Orders by status"), bars(Object.values(k.orders_by_status), Object.keys(k.orders_by_status)));
    if (k.stops_by_route.length) { box.append(el("h3", {}, "Stops per route"), bars(k.stops_by_route.map(r => r.stops), k.stops_by_route.map(r => r.vehicle_id))); }
  }

  function listen() {
    const source = new EventSource("/api/v1/live");
    source.addEventListener("van.position", (ev) => {
      const p = JSON.parse(ev.data);
      let marker = vans.get(p.vehicle_id);
      if (!marker) {
        marker = L.circleMarker([p.lat, p.lon], { radius: 7, color: "#fff", weight: 2, fillColor: "#111", fillOpacity: 1, className: "van-marker" }).bindTooltip(String(p.vehicle_id));
        marker.addTo(layers.vans); vans.set(p.vehicle_id, marker);
      } else { marker.setLatLng([p.lat, p.lon]); }
      document.getElementById("van-count").textContent = String(vans.size);
    });
    for (const kind of ["stop.delivered", "stop.failed", "plan.created", "disruption.posted"]) {
      source.addEventListener(kind, () => { refresh(); });
    }
  }

  function refresh() {
    return Promise.allSettled([loadRoutes(), loadOrders(), loadKpis(), loadReorders()]);
  }

  document.getElementById("plan-button").addEventListener("click", async () => {
    status.textContent = "Planning…";
    try {
      const plan = await api("/api/v1/plans", { method: "POST", body: {} });
      status.textContent = "Planned " + plan.routes + " routes, " + plan.stops + " stops" + (plan.unserved ? ", " + plan.unserved + " unserved" : "");
      await refresh();
    } catch (e) { status.textContent = "Planning failed: " + e.message; }
  });

  map.on("click", async (ev) => {
    if (!placing) { clicked = ev.latlng; return; }
    const order = placing;
    placing = null;
    try {
      await api("/api/v1/orders/" + encodeURIComponent(order.order_id) + "/address", { method: "POST", body: { lat: ev.latlng.lat, lon: ev.latlng.lng } });
      status.textContent = "Address of " + order.order_external_id + " placed; order validated";
      await refresh();
    } catch (e) { status.textContent = "Not placed: " + e.message; }
  });
  const dialog = document.getElementById("disruption-dialog");
  document.getElementById("disruption-button").addEventListener("click", () => { dialog.showModal(); });
  dialog.addEventListener("close", async () => {
    if (dialog.returnValue !== "ok") { return; }
    const centre = clicked || map.getCenter();
    const body = { kind: document.getElementById("disruption-kind").value, lat: centre.lat, lon: centre.lng,
      radius_m: Number(document.getElementById("disruption-radius").value), factor: Number(document.getElementById("disruption-factor").value),
      note: document.getElementById("disruption-note").value };
    try {
      const d = await api("/api/v1/disruptions", { method: "POST", body });
      L.circle([body.lat, body.lon], { radius: body.radius_m, color: "#d00", className: "disruption-area" }).addTo(layers.disruptions);
      status.textContent = "Disruption posted; " + d.routes_replanned + " routes re-planned";
      await refresh();
    } catch (e) { status.textContent = "Disruption refused: " + e.message; }
  });

  Promise.allSettled([loadRoads(), loadWarehouses()]).then(refresh);
  listen();
})();
