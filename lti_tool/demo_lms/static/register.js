// Wait for the tool's {subject: 'org.imsglobal.lti.close'} message, then go back to the list.
(function () {
  "use strict";
  var done = document.currentScript.getAttribute("data-done");
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || data.subject !== "org.imsglobal.lti.close") { return; }
    var status = document.getElementById("registration-status");
    if (status) { status.textContent = "The tool finished the registration."; }
    window.location.assign(done);
  });
})();
