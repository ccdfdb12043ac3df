// The API reference, rendered from the server's own OpenAPI document (no CDN, no Swagger bundle).
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const ref = (spec, s) => (s && s.$ref ? spec.components.schemas[s.$ref.split("/").pop()] : s);
function type(spec, s) {
  s = s || {};
  if (s.$ref) return s.$ref.split("/").pop();
  if (s.anyOf) return s.anyOf.map((x) => type(spec, x)).join(" | ");
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (s.type === "array") return type(spec, s.items) + "[]";
  const lim = ["minimum", "exclusiveMinimum", "maximum", "maxLength", "pattern"].filter((k) => s[k] != null).map((k) => `${k} ${s[k]}`);
  return (s.type || "any") + (lim.length ? ` (${lim.join(", ")})` : "");
}
function schemaTable(spec, s) {
  s = ref(spec, s);
  if (!s || !s.properties) return "";
  const req = new Set(s.required || []);
  return "<table><tr><th>field</th><th>type</th><th>required</th><th>default</th></tr>" + Object.entries(s.properties).map(([k, p]) =>
    `<tr><td><code>${esc(k)}</code></td><td>${esc(type(spec, p))}</td><td>${req.has(k) ? "yes" : ""}</td><td>${esc(p.default === undefined ? "" : JSON.stringify(p.default))}</td></tr>`).join("") + "</table>";
}
const r = await fetch("/openapi.json", { credentials: "same-origin" });
const spec = await r.json();
let html = `<h2>${esc(spec.info.title)} ${esc(spec.info.version)}</h2><p>${esc(spec.info.description)}</p>`;
for (const [path, ops] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(ops)) {
    html += `<h3><span class="m ${method}">${method.toUpperCase()}</span>${esc(path)}</h3><p>${esc(op.summary)}</p>`;
    if (op.description) html += `<pre>${esc(op.description)}</pre>`;
    if (op.parameters && op.parameters.length) html += "<table><tr><th>parameter</th><th>in</th><th>type</th><th>required</th><th></th></tr>" +
      op.parameters.map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${esc(type(spec, p.schema))}</td><td>${p.required ? "yes" : ""}</td><td>${esc(p.description || (p.schema || {}).description)}</td></tr>`).join("") + "</table>";
    const body = op.requestBody && op.requestBody.content["application/json"];
    if (body) { const s = ref(spec, body.schema); html += `<p>body: <code>${esc(type(spec, body.schema))}</code></p>` + (s.description ? `<pre>${esc(s.description)}</pre>` : "") + schemaTable(spec, body.schema); }
  }
}
html += "<p>Errors: status 4xx with <code>{\"detail\": \"one line\"}</code>: 401 missing or wrong token, 404 unknown recording, 400 a value the recording refuses (a range outside it, no beat at a sample), 413 a body over 2 MB, 422 a malformed request.</p>";
document.getElementById("doc").innerHTML = html;
