// Dynamic registration finished: tell the LMS to close its dialog (1EdTech spec, section 3.7).
(function () {
  var target = window.opener || window.parent;
  if (target && target !== window) {
    target.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
  }
})();
