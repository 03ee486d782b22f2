// Wait for the tool's {subject: 'org.imsglobal.lti.close'} message, then do as Moodle does:
// remove the registration frame about 10 ms later and go back to the tools list. Whatever the
// tool still shows is gone by then, so its page must wait for the admin's click to post it.
(function () {
  "use strict";
  var done = document.currentScript.getAttribute("data-done");
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || data.subject !== "org.imsglobal.lti.close") { return; }
    var status = document.getElementById("registration-status");
    if (status) { status.textContent = "The tool finished the registration."; }
    window.setTimeout(function () {
      var frame = document.querySelector("iframe.tool-frame");
      if (frame) { frame.remove(); }
      window.location.assign(done);
    }, 10);
  });
})();
