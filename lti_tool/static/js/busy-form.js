// Forms that take a while (matching runs): on submit, show the form's busy message and its
// spinner, and ignore a second submit. The message's id is the form's data-busy attribute.
// No inline script: CSP script-src 'self'.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-busy]");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("aria-busy") === "true") {
        event.preventDefault();
        return;
      }
      form.setAttribute("aria-busy", "true");
      var message = document.getElementById(form.getAttribute("data-busy"));
      if (message) { message.hidden = false; }
    });
  });
})();
