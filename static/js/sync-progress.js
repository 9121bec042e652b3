// Refreshes the Manage page's sync panel, history and status while a sync is
// queued or running, without a full reload.
(function () {
  "use strict";
  var panel = document.getElementById("sync-panel");
  if (!panel) { return; }
  var history = document.getElementById("sync-history");
  var badge = document.getElementById("status-badge");
  var url = panel.getAttribute("data-progress-url");
  var delay = 2000;

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        panel.innerHTML = data.panel;
        if (history) { history.innerHTML = data.history; }
        if (badge) { badge.innerHTML = data.badge; }
        if (data.active) { window.setTimeout(poll, delay); }
      })
      .catch(function () { window.setTimeout(poll, delay * 3); });
  }

  if (panel.getAttribute("data-active") === "1") { window.setTimeout(poll, delay); }
})();
