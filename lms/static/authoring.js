// Course editor: autosave, live preview and unsaved text kept in this browser.
// The editor works without this file (save, then preview); this only improves it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form) { return; }
  var text = form.querySelector("textarea[name=text]");
  var base = form.querySelector("input[name=base]");
  var status = document.getElementById("autosave-status");
  var preview = document.getElementById("live-preview");
  var key = "lms-unsaved:" + form.dataset.autosave;
  var saveTimer = null, previewTimer = null, stopped = form.dataset.conflict === "1";
  var lastSaved = text.value;

  function say(message) { if (status) { status.textContent = message; } }

  function post(url, extra) {
    var data = new FormData(form);
    Object.keys(extra || {}).forEach(function (k) { data.set(k, extra[k]); });
    return fetch(url, {
      method: "POST", body: data, credentials: "same-origin", redirect: "manual",
      headers: {"X-Requested-With": "fetch", "Accept": "application/json"}
    });
  }

  function keep() {
    try { localStorage.setItem(key, text.value); } catch (e) { /* storage full or off */ }
  }

  function save() {
    if (stopped || text.value === lastSaved) { return; }
    var sent = text.value;
    say(form.dataset.msgSaving);
    post(form.action || window.location.href).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 0) {
        say(form.dataset.msgSignedOut); return null;   // the session expired: the text stays here
      }
      return response.json().then(function (body) { return {code: response.status, body: body}; });
    }).then(function (result) {
      if (!result) { return; }
      if (result.code === 200) {
        base.value = result.body.base;
        lastSaved = sent;
        if (text.value === sent) { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } }
        say(result.body.message);
      } else if (result.code === 409) {
        stopped = true;   // never overwrite: the author merges on the full page
        say(form.dataset.msgConflict);
      } else {
        say(form.dataset.msgFailed);
      }
    }).catch(function () { say(form.dataset.msgOffline); });
  }

  function renderPreview() {
    if (!preview) { return; }
    post(preview.dataset.url).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (body) {
      if (body) { preview.innerHTML = body.html; }   // rendered and sanitized by the server
    }).catch(function () { /* the saved preview stays available */ });
  }

  form.addEventListener("submit", function () {
    clearTimeout(saveTimer);   // the button's save replaces any autosave still waiting
    stopped = true;
  });

  text.addEventListener("input", function () {
    keep();
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 2000);
    clearTimeout(previewTimer);
    previewTimer = setTimeout(renderPreview, 600);
  });

  // Text typed earlier that never reached the server (lost connection, closed tab).
  var kept = null;
  try { kept = localStorage.getItem(key); } catch (e) { kept = null; }
  var restore = document.getElementById("restore-unsaved");
  if (kept !== null && kept !== text.value && restore) {
    restore.hidden = false;
    restore.querySelector("button").addEventListener("click", function () {
      text.value = kept;
      restore.hidden = true;
      text.dispatchEvent(new Event("input"));
    });
  }
  if (preview) { renderPreview(); }
})();
