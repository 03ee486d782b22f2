// The intake's time-zone list: preselect the browser's zone when none is chosen yet, and
// filter the list as the learner types a country or city. Without JavaScript the grouped
// select still works on its own. No inline script: CSP script-src 'self'.
(function () {
  "use strict";
  var select = document.getElementById("time_zone");
  var search = document.getElementById("time_zone_search");
  if (!select) { return; }
  var aliases = {};
  try { aliases = JSON.parse(select.getAttribute("data-aliases") || "{}"); } catch (e) { aliases = {}; }

  function has(value) {
    return Array.prototype.some.call(select.options, function (o) { return o.value === value; });
  }

  if (!select.value) {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    zone = has(zone) ? zone : (aliases[zone] || "");
    if (zone && has(zone)) { select.value = zone; }
  }

  if (!search) { return; }
  search.parentNode.hidden = false;
  search.addEventListener("input", function () {
    var words = search.value.trim().toLowerCase();
    var first = null;
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      var shown = 0;
      Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
        var text = (option.textContent + " " + option.value.replace(/_/g, " ")).toLowerCase();
        var match = !words || text.indexOf(words) >= 0;
        option.hidden = !match;
        if (match) { shown += 1; if (!first) { first = option; } }
      });
      group.hidden = shown === 0;
    });
    var current = select.options[select.selectedIndex];
    if (words && first && (!current || current.hidden || !current.value)) { select.value = first.value; }
  });
})();
