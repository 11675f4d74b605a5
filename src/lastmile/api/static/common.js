"use strict";
// Shared by the dashboard and the driver page: JSON calls carrying the session's CSRF token.
window.lastmile = (function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  async function api(path, options) {
    const opts = Object.assign({ credentials: "same-origin", headers: {} }, options || {});
    opts.headers = Object.assign({ "Accept": "application/json" }, opts.headers);
    if (opts.body !== undefined && typeof opts.body !== "string") {
      opts.body = JSON.stringify(opts.body);
      opts.headers["Content-Type"] = "application/json";
    }
    if (opts.method && opts.method !== "GET") { opts.headers["X-CSRF-Token"] = csrf; }
    const response = await fetch(path, opts);
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const detail = data && data.detail;
      const message = Array.isArray(detail) ? detail.map(d => (d.loc || []).slice(-1)[0] + ": " + d.msg).join("; ") : (detail || response.statusText);
      throw new Error(message);
    }
    return data;
  }
  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) { node.setAttribute(k, v); }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function time(iso) { return iso ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "–"; }
  return { api, el, time };
})();
