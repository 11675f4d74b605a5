"use strict";
// The driver's phone page: today's stops in order, navigation, proof of delivery with GPS.
(function () {
  const { api, el, time } = window.lastmile;
  const list = document.getElementById("stops");
  const message = document.getElementById("driver-message");
  const template = document.getElementById("stop-template");
  const device = (localStorage.getItem("lastmile-device") || (function () {
    const id = "web-" + Math.random().toString(36).slice(2, 10); localStorage.setItem("lastmile-device", id); return id;
  })());
  let route = null;

  function position() {
    return new Promise((resolve) => {
      if (!navigator.geolocation) { resolve(null); return; }
      navigator.geolocation.getCurrentPosition(
        (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy_m: p.coords.accuracy }),
        () => resolve(null), { enableHighAccuracy: true, timeout: 5000, maximumAge: 10000 });
    });
  }

  async function sha256(file) {
    const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
    return Array.from(new Uint8Array(digest)).map(b => b.toString(16).padStart(2, "0")).join("");
  }

  const start = document.getElementById("start-route");
  start.addEventListener("click", async () => {
    try {
      const r = await api("/api/v1/routes/" + encodeURIComponent(route.route_id) + "/depart", { method: "POST" });
      message.textContent = "Route started: " + r.orders_out_for_delivery.length + " orders on board";
      localStorage.setItem("lastmile-started-" + route.route_id, "1");
      start.hidden = true;
    } catch (e) { message.textContent = "Cannot start: " + e.message; }
  });

  function render() {
    const stops = route.stops;
    const untouched = stops.every(s => s.status === "planned");
    start.hidden = !untouched || localStorage.getItem("lastmile-started-" + route.route_id) === "1";
    document.getElementById("route-summary").textContent = route.vehicle_id + " · " + stops.length + " stops · " + stops.filter(s => s.status === "planned" || s.status === "arrived").length + " to go";
    list.replaceChildren(...stops.map((s, i) => {
      const node = template.content.firstElementChild.cloneNode(true);
      node.dataset.stop = s.stop_id;
      node.querySelector(".seq").textContent = String(i + 1) + ".";
      node.querySelector(".addr").textContent = s.address || (s.lat.toFixed(5) + ", " + s.lon.toFixed(5));
      node.querySelector(".state").textContent = s.status;
      node.querySelector(".eta").textContent = "ETA " + time(s.arrival) + (s.window_start ? " · window " + time(s.window_start) + "–" + time(s.window_end) : "");
      node.querySelector(".nav-link").href = "geo:" + s.lat + "," + s.lon + "?q=" + s.lat + "," + s.lon;
      if (s.status !== "planned" && s.status !== "arrived") { node.classList.add("done"); }
      const method = node.querySelector(".method");
      if (s.proof_method && ["pin", "signature", "photo"].includes(s.proof_method)) { method.value = s.proof_method; }
      const sync = () => {
        node.querySelector(".pin").hidden = method.value !== "pin";
        node.querySelector(".signature").hidden = method.value !== "signature";
        node.querySelector(".photo").hidden = method.value !== "photo";
      };
      method.addEventListener("change", sync); sync();
      node.querySelector("form.deliver").addEventListener("submit", (ev) => { ev.preventDefault(); deliver(s, node); });
      node.querySelector("form.fail").addEventListener("submit", (ev) => { ev.preventDefault(); fail(s, node); });
      return node;
    }));
  }

  async function deliver(stop, node) {
    const gps = await position();
    const body = { method: node.querySelector(".method").value, device_id: device, gps: gps };
    if (body.method === "pin") { body.pin = node.querySelector(".pin").value; }
    if (body.method === "signature") { body.signature = node.querySelector(".signature").value; }
    if (body.method === "photo") {
      const file = node.querySelector(".photo").files[0];
      if (!file) { message.textContent = "Take a photo first"; return; }
      body.photo_sha256 = await sha256(file);
    }
    try {
      await api("/api/v1/routes/" + encodeURIComponent(route.route_id) + "/stops/" + encodeURIComponent(stop.stop_id) + "/deliver", { method: "POST", body });
      message.textContent = "Stop delivered";
      await load();
    } catch (e) { message.textContent = "Not accepted: " + e.message; }
  }

  async function fail(stop, node) {
    const gps = await position();
    const body = { reason: node.querySelector(".reason").value, device_id: device, gps: gps };
    try {
      await api("/api/v1/routes/" + encodeURIComponent(route.route_id) + "/stops/" + encodeURIComponent(stop.stop_id) + "/fail", { method: "POST", body });
      message.textContent = "Failed attempt recorded";
      await load();
    } catch (e) { message.textContent = "Not accepted: " + e.message; }
  }

  async function load() {
    try {
      route = await api("/api/v1/drivers/me/route");
      render();
    } catch (e) {
      document.getElementById("route-summary").textContent = "No route for you today (" + e.message + ")";
    }
  }

  // Report where the van is so the dispatcher's map moves; at most every 15 s.
  async function beacon() {
    const gps = await position();
    if (gps && route) { try { await api("/api/v1/drivers/me/position", { method: "POST", body: gps }); } catch (e) { /* next beacon retries */ } }
  }
  load().then(beacon);
  setInterval(beacon, 15000);
})();
