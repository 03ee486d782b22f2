// Pages that do not know the viewer's time zone show UTC and say so; this posts the
// browser's zone once (no cookie: the launch id is in the URL, the CSRF token on the page)
// and reloads, so dates show where the viewer is. No inline script: CSP script-src 'self'.
(function () {
  "use strict";
  var note = document.getElementById("zone-unknown");
  if (!note || !window.fetch) { return; }
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  if (!zone) { return; }
  var body = new URLSearchParams();
  body.append("time_zone", zone);
  body.append("csrf_token", note.getAttribute("data-csrf"));
  fetch(note.getAttribute("data-zone-url"), {
    method: "POST",
    body: body,
    headers: { "Accept": "application/json" },
    credentials: "omit"
  }).then(function (response) {
    if (response.ok) { window.location.reload(); }
  }).catch(function () { /* dates stay in UTC, as the page says */ });
}());
