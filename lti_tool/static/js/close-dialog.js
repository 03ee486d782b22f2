// Dynamic registration finished. The admin reads the page (next steps, missing scopes), then
// the "Done" button tells the LMS to close its dialog (1EdTech Dynamic Registration, 3.7).
// Never on load: Moodle removes the dialog about 10 ms after the message.
(function () {
  "use strict";
  var target = window.opener || (window.parent !== window ? window.parent : null);
  var buttons = document.querySelectorAll("[data-lti-close]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.addEventListener("click", function () {
      if (target) {
        target.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
      }
      var status = document.getElementById("close-status");
      if (status) { status.hidden = false; }
    });
  });
})();
