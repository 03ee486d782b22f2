// LTI client-side platform storage (lti.capabilities, lti.put_data, lti.get_data) by postMessage.
// Values are kept per sender origin, in memory, for the life of the launch page.
(function () {
  "use strict";
  var script = document.currentScript;
  var frame = script && script.getAttribute("data-frame");
  var SUBJECTS = ["lti.capabilities", "lti.put_data", "lti.get_data"];
  var store = new Map();

  function capabilities() {
    return SUBJECTS.map(function (subject) {
      var entry = { subject: subject };
      if (frame && subject !== "lti.capabilities") { entry.frame = frame; }
      return entry;
    });
  }

  window.addEventListener("message", function (event) {
    var msg = event.data;
    if (!msg || typeof msg !== "object" || SUBJECTS.indexOf(msg.subject) === -1) { return; }
    if (!event.source || !event.origin || event.origin === "null") { return; }
    var reply = { subject: msg.subject + ".response", message_id: msg.message_id };
    if (msg.subject === "lti.capabilities") {
      reply.supported_messages = capabilities();
    } else if (typeof msg.key !== "string" || msg.key === "") {
      reply.error = { code: "bad_request", message: "a non-empty string key is required" };
    } else {
      var slot = event.origin + "\n" + msg.key;
      reply.key = msg.key;
      if (msg.subject === "lti.put_data") {
        store.set(slot, msg.value);
        reply.value = msg.value;
      } else {
        reply.value = store.has(slot) ? store.get(slot) : null;
      }
    }
    event.source.postMessage(reply, event.origin);
  });
})();
