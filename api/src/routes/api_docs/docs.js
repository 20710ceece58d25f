// Renders /api/openapi.json: operations grouped by tag, with parameters, request bodies and
// responses. Plain DOM, no dependencies; text is always set with textContent (never HTML).
"use strict";

(function () {
  const METHODS = ["get", "post", "put", "patch", "delete"];

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return node;
  }

  function refName(ref) {
    return ref.split("/").pop();
  }

  // A schema, with $refs expanded (once per name, so recursive types stay finite).
  function expand(spec, schema, seen) {
    if (schema === null || typeof schema !== "object") return schema;
    if (Array.isArray(schema)) return schema.map((s) => expand(spec, s, seen));
    if (schema.$ref) {
      const name = refName(schema.$ref);
      if (seen.has(name)) return { $ref: name };
      const target = (spec.components && spec.components.schemas || {})[name];
      return expand(spec, target, new Set([...seen, name]));
    }
    const out = {};
    for (const [k, v] of Object.entries(schema)) out[k] = expand(spec, v, seen);
    return out;
  }

  function schemaLabel(schema) {
    if (!schema) return "";
    if (schema.$ref) return refName(schema.$ref);
    if (schema.type === "array" && schema.items) return schemaLabel(schema.items) + "[]";
    return [].concat(schema.type || "object").join(" | ") + (schema.format ? " (" + schema.format + ")" : "");
  }

  function content(spec, body) {
    const box = el("div");
    for (const [type, media] of Object.entries(body.content || {})) {
      box.append(el("p", {}, el("code", {}, type), " ", schemaLabel(media.schema)));
      if (media.schema) {
        box.append(el("pre", {}, JSON.stringify(expand(spec, media.schema, new Set()), null, 2)));
      }
      if (media.example !== undefined) {
        box.append(el("p", {}, "Example:"), el("pre", {}, JSON.stringify(media.example, null, 2)));
      }
    }
    return box;
  }

  function operation(spec, path, method, op) {
    const body = el("div");
    if (op.description) body.append(el("p", {}, op.description));
    if (op.security && op.security.length) {
      body.append(el("p", { class: "lock" }, "Requires: " + op.security.map((s) => Object.keys(s).join(", ")).join(" or ")));
    }
    const params = op.parameters || [];
    if (params.length) {
      const table = el("table", {}, el("tr", {}, el("th", {}, "Parameter"), el("th", {}, "In"), el("th", {}, "Type"), el("th", {}, "Description")));
      for (const p of params) {
        table.append(el("tr", {},
          el("td", {}, el("code", {}, p.name), p.required ? " *" : ""),
          el("td", {}, p.in),
          el("td", {}, schemaLabel(p.schema)),
          el("td", {}, p.description || "")));
      }
      body.append(el("h4", {}, "Parameters"), table);
    }
    if (op.requestBody) {
      body.append(el("h4", {}, "Request body" + (op.requestBody.required ? " (required)" : "")));
      if (op.requestBody.description) body.append(el("p", {}, op.requestBody.description));
      body.append(content(spec, op.requestBody));
    }
    body.append(el("h4", {}, "Responses"));
    for (const [status, response] of Object.entries(op.responses || {})) {
      const item = el("details", {}, el("summary", {}, el("strong", {}, status), " " + (response.description || "")));
      item.append(content(spec, response));
      body.append(item);
    }
    const summary = op.summary || (op.description || "").split("\n")[0];
    return el("details", { class: "op" },
      el("summary", {}, el("span", { class: "method " + method }, method), path, el("span", { class: "opsummary" }, summary)),
      body);
  }

  function render(spec) {
    document.getElementById("title").textContent = spec.info.title + " " + spec.info.version + " API reference";
    const summary = document.getElementById("summary");
    summary.textContent = spec.info.description || "";
    summary.append(" The machine-readable document: ", el("a", { href: "/api/openapi.json" }, "/api/openapi.json"), ".");
    const groups = new Map((spec.tags || []).map((t) => [t.name, { tag: t, ops: [] }]));
    for (const [path, item] of Object.entries(spec.paths || {})) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        for (const tag of op.tags && op.tags.length ? op.tags : ["other"]) {
          if (!groups.has(tag)) groups.set(tag, { tag: { name: tag }, ops: [] });
          groups.get(tag).ops.push([path, method, op]);
        }
      }
    }
    const nav = document.getElementById("tags");
    const main = document.getElementById("content");
    for (const { tag, ops } of groups.values()) {
      if (!ops.length) continue;
      nav.append(el("a", { href: "#tag-" + tag.name }, tag.name));
      const section = el("section", { id: "tag-" + tag.name }, el("h2", {}, tag.name));
      if (tag.description) section.append(el("p", {}, tag.description));
      for (const [path, method, op] of ops) section.append(operation(spec, path, method, op));
      main.append(section);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const main = document.getElementById("content");
    fetch(main.dataset.spec)
      .then((r) => {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(render)
      .catch((e) => {
        main.append(el("p", { class: "error" }, "Cannot load the API document: " + e.message));
      });
  });
})();
