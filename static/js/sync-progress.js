// Refreshes the Manage page's sync panel while a sync runs, without a full reload.
(function () {
  "use strict";
  var panel = document.getElementById("sync-panel");
  if (!panel) { return; }
  var url = panel.getAttribute("data-progress-url");
  var delay = 2000;

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        panel.innerHTML = data.html;
        if (data.running) { window.setTimeout(poll, delay); }
      })
      .catch(function () { window.setTimeout(poll, delay * 3); });
  }

  if (panel.getAttribute("data-running") === "1") { window.setTimeout(poll, delay); }
  document.addEventListener("submit", function (event) {
    // After "Sync now" the page reloads; the new page starts polling if a run is active.
    if (event.target && event.target.action && event.target.action.indexOf("/sync/") !== -1) {
      panel.setAttribute("data-running", "1");
    }
  });
})();
