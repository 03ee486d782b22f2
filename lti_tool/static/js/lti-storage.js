// LTI client-side platform storage (postMessage): lti.capabilities, lti.put_data, lti.get_data.
// The page carries its data in data-* attributes on #lti-storage (no inline script: strict CSP).
(function () {
  var el = document.getElementById("lti-storage");
  if (!el) { return; }
  var mode = el.dataset.mode, targetName = el.dataset.target, key = el.dataset.key;
  var TIMEOUT_MS = 2000;

  function storageFrame() {
    var parent = window.parent;
    if (!parent || parent === window) { return null; }
    if (!targetName || targetName === "_parent") { return parent; }
    try { return parent.frames[targetName] || parent; } catch (e) { return parent; }
  }

  function ask(frame, message, subject) {
    return new Promise(function (resolve, reject) {
      var id = subject + "-" + Math.random().toString(36).slice(2);
      message.message_id = id;
      message.subject = subject;
      function onMessage(event) {
        var data = event.data || {};
        if (data.message_id !== id || data.subject !== subject + ".response") { return; }
        window.removeEventListener("message", onMessage);
        if (data.error) { reject(data.error); } else { resolve(data); }
      }
      window.addEventListener("message", onMessage);
      frame.postMessage(message, "*");
      setTimeout(function () {
        window.removeEventListener("message", onMessage);
        reject("timeout");
      }, TIMEOUT_MS);
    });
  }

  function supported(frame) {
    return ask(frame, {}, "lti.capabilities").then(function (data) {
      var names = (data.supported_messages || []).map(function (m) { return m.subject; });
      return names.indexOf("lti.put_data") >= 0 && names.indexOf("lti.get_data") >= 0;
    }, function () { return false; });
  }

  var frame = storageFrame();
  if (mode === "put") {
    var done = function () { window.location.replace(el.dataset.redirect); };
    if (!frame) { done(); return; }
    supported(frame).then(function (ok) {
      if (!ok) { done(); return; }
      ask(frame, { key: key, value: el.dataset.value }, "lti.put_data").then(done, done);
    });
  } else if (mode === "get") {
    var form = document.getElementById("launch-form");
    var finish = function (value) {
      form.elements.lti_storage_value.value = value || "";
      form.submit();
    };
    if (!frame) { finish(""); return; }
    supported(frame).then(function (ok) {
      if (!ok) { finish(""); return; }
      ask(frame, { key: key }, "lti.get_data").then(function (data) {
        finish(data.value);
      }, function () { finish(""); });
    });
  }
})();
