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

// Lesson toolbar: inserts the course format's Markdown constructs at the cursor.
// Hidden without JavaScript (the textarea alone does everything); a role="toolbar"
// with one tab stop, arrow keys between buttons, Ctrl+B for bold in the text.
(function () {
  "use strict";
  var bar = document.getElementById("md-toolbar");
  var text = document.getElementById("text");
  if (!bar || !text || typeof text.setRangeText !== "function") { return; }
  var d = bar.dataset;

  function changed(selStart, selEnd) {
    text.focus();
    text.setSelectionRange(selStart, selEnd);
    text.dispatchEvent(new Event("input"));   // autosave and live preview follow
  }
  function wrap(before, after, placeholder) {
    var s = text.selectionStart, e = text.selectionEnd;
    var inner = text.value.slice(s, e) || placeholder;
    text.setRangeText(before + inner + after, s, e, "end");
    changed(s + before.length, s + before.length + inner.length);
  }
  function lines(prefix) {
    var v = text.value, s = text.selectionStart, e = text.selectionEnd;
    var start = v.lastIndexOf("\n", s - 1) + 1;
    var out = v.slice(start, e).split("\n").map(function (line, i) {
      return prefix.replace("#", String(i + 1)) + line;
    }).join("\n");
    text.setRangeText(out, start, e, "end");
    changed(start + out.length, start + out.length);
  }
  function block(snippet, select) {
    var v = text.value, s = text.selectionStart;
    var before = s === 0 || v.slice(0, s).endsWith("\n\n") ? "" : (v.slice(0, s).endsWith("\n") ? "\n" : "\n\n");
    text.setRangeText(before + snippet + "\n\n", s, text.selectionEnd, "end");
    var at = s + before.length + snippet.indexOf(select);
    changed(at, at + select.length);
  }
  var actions = {
    heading: function () { lines("## "); },
    bold: function () { wrap("**", "**", d.phText); },
    bullets: function () { lines("- "); },
    numbers: function () { lines("#. "); },
    link: function () { wrap("[", "](https://)", d.phText); },
    table: function () {
      block("| " + d.phHeading + " | " + d.phHeading + " |\n| --- | --- |\n| " + d.phText + " | " + d.phText + " |", d.phHeading);
    },
    note: function () { block("!!! note \"" + d.phTitle + "\"\n    " + d.phText, d.phText); },
    warning: function () { block("!!! warning \"" + d.phTitle + "\"\n    " + d.phText, d.phText); },
    example: function () { block("!!! example \"" + d.phTitle + "\"\n    " + d.phText, d.phText); },
    footnote: function () {
      var n = (text.value.match(/^\[\^\d+\]:/gm) || []).length + 1;
      var s = text.selectionEnd, mark = "[^" + n + "]";
      text.setRangeText(mark, s, s, "end");
      var note = "\n\n" + mark + ": " + d.phText;
      text.value = text.value.replace(/\s*$/, "") + note + "\n";
      var at = text.value.length - 1 - d.phText.length;
      changed(at, at + d.phText.length);
    },
    image: function () {
      var pick = document.getElementById("md-image");
      var name = pick && pick.value ? pick.value : "";
      var alt = d.phAlt;
      wrap("![" , "](media/" + name + ")", alt);
    }
  };
  var buttons = Array.prototype.slice.call(bar.querySelectorAll("button[data-md]"));
  buttons.forEach(function (b, i) {
    b.tabIndex = i === 0 ? 0 : -1;
    b.addEventListener("click", function () { actions[b.dataset.md](); });
  });
  bar.addEventListener("keydown", function (ev) {
    var i = buttons.indexOf(document.activeElement);
    if (i < 0) { return; }
    var rtl = getComputedStyle(bar).direction === "rtl";
    var step = {ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1, Home: -i, End: buttons.length - 1 - i}[ev.key];
    if (step === undefined) { return; }
    ev.preventDefault();
    var j = (i + step + buttons.length) % buttons.length;
    buttons[i].tabIndex = -1; buttons[j].tabIndex = 0; buttons[j].focus();
  });
  text.addEventListener("keydown", function (ev) {
    if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && (ev.key === "b" || ev.key === "B")) {
      ev.preventDefault(); actions.bold();
    }
  });
  bar.hidden = false;
})();

// A problem's "Line N" link selects that line of the text (without JavaScript it goes to the text).
(function () {
  "use strict";
  var text = document.getElementById("text");
  if (!text) { return; }
  document.querySelectorAll("a[data-line]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      var lines = text.value.split("\n"), n = Math.min(+a.dataset.line, lines.length), start = 0;
      for (var i = 0; i < n - 1; i++) { start += lines[i].length + 1; }
      text.focus();
      text.setSelectionRange(start, start + lines[n - 1].length);
      var lh = parseFloat(getComputedStyle(text).lineHeight) || 18;
      text.scrollTop = Math.max(0, (n - 3) * lh);
    });
  });
})();

// Form editors (role-play, question, module): what is typed is kept in this browser until a save
// goes through, so an expired session or a lost connection loses nothing; and saved to the draft
// in the background, like the text editor.
(function () {
  "use strict";
  var form = document.querySelector("form[data-keep]");
  var offer = document.getElementById("restore-unsaved");
  if (!form || !offer) { return; }
  var key = "lms-unsaved-form:" + form.dataset.keep;
  function values() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit" || el.type === "button") { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        out[el.name + "=" + el.value] = el.checked;
      } else { out[el.name] = el.value; }
    });
    return out;
  }
  function put(saved) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        var k = el.name + "=" + el.value;
        if (k in saved) { el.checked = saved[k]; }
      } else if (el.name in saved && el.type !== "hidden") { el.value = saved[el.name]; }
    });
  }
  var saved = null;
  try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
  if (document.querySelector(".flash-success")) {   // the last save went through
    try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
  } else if (saved && JSON.stringify(saved) !== JSON.stringify(values())) {
    offer.hidden = false;
    offer.querySelector("button").addEventListener("click", function () {
      put(saved); offer.hidden = true; form.dispatchEvent(new Event("input"));
    });
  }
  // Autosave (forms marked data-autosave-form): the same POST as the Save button, a moment after
  // typing stops; the server answers JSON. A refusal or a conflict stops it: the button shows why.
  var auto = form.dataset.autosaveForm === "1";
  var status = document.getElementById("autosave-status");
  var base = form.querySelector("input[name=base]");
  var timer = null, stopped = form.dataset.conflict === "1", lastSent = JSON.stringify(values());
  function say(message) { if (status) { status.textContent = message || ""; } }
  function save() {
    var sent = JSON.stringify(values());
    if (stopped || sent === lastSent) { return; }
    say(form.dataset.msgSaving);
    fetch(form.action || window.location.href, {
      method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual",
      headers: {"X-Requested-With": "fetch", "Accept": "application/json"}
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 0) { say(form.dataset.msgSignedOut); return null; }
      return response.json().then(function (body) { return {code: response.status, body: body}; },
                                  function () { return {code: response.status, body: {}}; });
    }).then(function (result) {
      if (!result) { return; }
      if (result.code === 200) {
        base.value = result.body.base;
        lastSent = sent;
        if (JSON.stringify(values()) === sent) { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } }
        say(result.body.message);
      } else if (result.code === 409) {
        stopped = true; say(form.dataset.msgConflict);
      } else if (result.code === 422) {
        say(form.dataset.msgRefused);
      } else { say(form.dataset.msgFailed); }
    }).catch(function () { say(form.dataset.msgOffline); });
  }
  form.addEventListener("submit", function () { clearTimeout(timer); stopped = true; });
  form.addEventListener("input", function () {
    try { localStorage.setItem(key, JSON.stringify(values())); } catch (e) { /* storage full or off */ }
    if (auto) { clearTimeout(timer); timer = setTimeout(save, 2500); }
  });
  form.addEventListener("change", function () {
    if (auto) { clearTimeout(timer); timer = setTimeout(save, 2500); }
  });
})();
