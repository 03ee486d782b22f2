// The path editor: drag a step's row to reorder with the mouse. The keyboard's way is the
// "Move up" / "Move down" buttons, which work without this script. On drop, the new order is
// posted through the page's hidden order form. No inline script: CSP script-src 'self'.
(function () {
  "use strict";
  var body = document.getElementById("path-step-rows");
  var form = document.getElementById("order-form");
  if (!body || !form) { return; }
  var dragged = null;
  body.addEventListener("dragstart", function (event) {
    dragged = event.target.closest("tr[data-step-id]");
    if (dragged && event.dataTransfer) {
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.getAttribute("data-step-id"));
    }
  });
  body.addEventListener("dragover", function (event) {
    if (dragged) { event.preventDefault(); }
  });
  body.addEventListener("drop", function (event) {
    var target = event.target.closest("tr[data-step-id]");
    if (!dragged || !target || target === dragged) { return; }
    event.preventDefault();
    var rect = target.getBoundingClientRect();
    var after = event.clientY > rect.top + rect.height / 2;
    body.insertBefore(dragged, after ? target.nextSibling : target);
    var rows = body.querySelectorAll("tr[data-step-id]");
    Array.prototype.forEach.call(rows, function (row) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "step";
      input.value = row.getAttribute("data-step-id");
      form.appendChild(input);
    });
    form.submit();
  });
  body.addEventListener("dragend", function () { dragged = null; });
})();
