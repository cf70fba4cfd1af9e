// A job's progress page: poll its status instead of reloading the whole page (which the
// page does by itself, without this file). Reload when its status changes.
(function () {
  var box = document.querySelector("[data-polling][data-status-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var shown = box.getAttribute("data-status");
  var done = box.querySelector("[data-done]");
  var total = box.querySelector("[data-total]");
  var bar = box.querySelector("progress");
  var failures = 0;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
      .then(function (state) {
        if (state.status !== shown) { window.location.reload(); return; }
        if (done) { done.textContent = String(state.done); }
        if (total) { total.textContent = String(state.total); }
        if (bar) { bar.max = state.total; bar.value = state.done; }
        failures = 0;
        window.setTimeout(poll, 1500);
      })
      .catch(function () { failures += 1; if (failures < 20) { window.setTimeout(poll, 5000); } });
  }
  window.setTimeout(poll, 1500);
})();
