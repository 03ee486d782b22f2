// Roster sync progress: poll the sync's JSON status until it has finished.
// The status URL comes from the page (data-status-url); no inline script (CSP script-src 'self').
(function () {
  "use strict";
  var box = document.getElementById("sync-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("sync-bar");
  var message = document.getElementById("sync-message");
  var done = document.getElementById("sync-done");
  var delay = 700;
  var failures = 0;

  function show(status) {
    box.setAttribute("data-status", status.status);
    if (status.finished) {
      bar.max = 1;
      bar.value = 1;
    } else if (status.members_expected) {
      bar.max = status.members_expected;
      bar.value = Math.min(status.members_seen, status.members_expected);
    } else {
      bar.removeAttribute("value"); // indeterminate: the LMS does not say how many follow
    }
    if (message.textContent !== status.message) { message.textContent = status.message; }
    message.className = status.status === "failed" ? "field-error" : "";
    if (status.finished) { done.hidden = false; }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(body.message || response.statusText); }
          return body;
        });
      })
      .then(function (status) {
        failures = 0;
        show(status);
        if (!status.finished) { window.setTimeout(poll, delay); }
      })
      .catch(function (error) {
        failures += 1;
        if (failures >= 5) {
          message.textContent = "The progress could not be read (" + error.message +
            "). Reload the page to try again.";
          message.className = "field-error";
          return;
        }
        window.setTimeout(poll, delay * 2 * failures);
      });
  }

  if (box.getAttribute("data-status") !== "done" && box.getAttribute("data-status") !== "failed") {
    window.setTimeout(poll, delay);
  }
})();
