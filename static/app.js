// RusToK Admin: the little behaviour htmx does not give us. Loaded as a file because the CSP
// forbids inline scripts.
(function () {
  "use strict";
  // Confirmations: a form[data-confirm] and htmx's hx-confirm both ask through the one
  // <dialog id="confirm-dialog"> of the layout, never window.confirm. ask(question, proceed)
  // opens it; Cancel, Escape and a click on the backdrop do nothing, Confirm calls proceed.
  var dialog = document.getElementById("confirm-dialog");
  var pending = null;
  function ask(question, proceed) {
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(question)) { proceed(); } // a browser without <dialog>
      return;
    }
    pending = proceed;
    dialog.returnValue = "";
    document.getElementById("confirm-message").textContent = question;
    dialog.showModal();
  }
  if (dialog) {
    dialog.addEventListener("close", function () {
      var proceed = pending;
      pending = null;
      if (dialog.returnValue === "confirm" && proceed) { proceed(); }
    });
    dialog.addEventListener("click", function (e) { if (e.target === dialog) { dialog.close(""); } });
  }
  var confirmed = new WeakSet(); // forms whose question was answered with Confirm
  // Capturing on document runs before htmx's listener on the form, so stopping the event here
  // also keeps an hx-post form from sending until the user confirms.
  document.addEventListener("submit", function (e) {
    var form = e.target, msg = form.getAttribute("data-confirm");
    if (!msg) { return; }
    if (confirmed.has(form)) { confirmed.delete(form); return; }
    e.preventDefault();
    e.stopPropagation();
    var submitter = e.submitter || null;
    ask(msg, function () {
      confirmed.add(form);
      if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
    });
  }, true);
  document.addEventListener("htmx:confirm", function (e) {
    if (!e.detail.question) { return; }
    e.preventDefault();
    ask(e.detail.question, function () { e.detail.issueRequest(true); });
  });

  // Times (views/components/time.templ): the server renders each <time datetime> in the zone
  // named by <body data-time-zone>, the one stored for the viewer, or in UTC, marked so, while
  // none is stored (""). Here the text is written in the browser's zone with the server's
  // layout (components.DateLayout, MinuteLayout, SecondLayout), so a time the server rendered
  // in that zone keeps its text: nothing flickers. The title keeps the UTC time. When the
  // browser's zone is not the stored one, it is posted to /account/time-zone (handlers/routes.go)
  // with the page's CSRF token, and the next pages arrive in it.
  // A zone the user fixed on the account page (<body data-time-zone-fixed>) is kept as it is.
  var browserZone = document.body.hasAttribute("data-time-zone-fixed") ? "" : (Intl.DateTimeFormat().resolvedOptions().timeZone || "");
  var localParts = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  function localText(d, el) {
    var p = {};
    localParts.formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
    var text = p.year + "-" + p.month + "-" + p.day;
    if (el.hasAttribute("data-date")) { return text; }
    text += " " + p.hour + ":" + p.minute;
    return el.hasAttribute("data-seconds") ? text + ":" + p.second : text;
  }
  function localTimes(root) {
    if (!root.querySelectorAll || !browserZone) { return; }
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d.getTime())) { el.textContent = localText(d, el); }
    });
  }
  localTimes(document);
  document.addEventListener("htmx:load", function (e) { localTimes(e.target); });
  function reportZone() {
    var stored = document.body.getAttribute("data-time-zone"); // null outside the signed-in shell
    if (stored === null || !browserZone || stored === browserZone || !window.fetch) { return; }
    var refused = "rustok-zone-refused"; // a zone the server does not know is not sent again this session
    try { if (sessionStorage.getItem(refused) === browserZone) { return; } } catch (err) { /* no storage */ }
    var token = "";
    try { token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; } catch (err) { return; }
    fetch("/account/time-zone", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": token },
      body: new URLSearchParams({ time_zone: browserZone }).toString(),
      credentials: "same-origin"
    }).then(function (res) {
      if (res.ok) { document.body.setAttribute("data-time-zone", browserZone); }
      if (res.status === 422) { try { sessionStorage.setItem(refused, browserZone); } catch (err) { /* no storage */ } }
    }, function () { /* offline: try again on the next page */ });
  }
  reportZone();

  // Success messages are toasts: they fade after a few seconds. Errors stay until dismissed.
  function fadeToasts(root) {
    if (!root.querySelectorAll) { return; }
    var toasts = Array.prototype.slice.call(root.querySelectorAll("[data-toast]"));
    if (root.matches && root.matches("[data-toast]")) { toasts.push(root); }
    toasts.forEach(function (el) {
      window.setTimeout(function () {
        el.classList.add("toast-hide");
        window.setTimeout(function () { el.remove(); }, 400);
      }, 4000);
    });
  }
  fadeToasts(document);
  document.addEventListener("htmx:load", function (e) { fadeToasts(e.target); });

  // The theme toggle (static/theme.js keeps the choice) and the small-screen menu button.
  function syncThemeToggle() {
    var dark = document.documentElement.classList.contains("dark");
    document.querySelectorAll("[data-theme-toggle]").forEach(function (b) {
      b.setAttribute("aria-pressed", dark ? "true" : "false");
    });
  }
  syncThemeToggle();
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-theme-toggle]") && window.rustokTheme) {
      window.rustokTheme.toggle();
      syncThemeToggle();
      return;
    }
    var menu = e.target.closest("[data-menu-toggle]");
    if (menu) {
      var panel = document.getElementById(menu.getAttribute("aria-controls"));
      var open = menu.getAttribute("aria-expanded") !== "true";
      menu.setAttribute("aria-expanded", open ? "true" : "false");
      if (panel) { panel.classList.toggle("is-open", open); }
    }
    // A click outside an open dropdown (<details class="dropdown">) closes it.
    document.querySelectorAll("details.dropdown[open]").forEach(function (d) {
      if (!d.contains(e.target)) { d.removeAttribute("open"); }
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    document.querySelectorAll("details.dropdown[open]").forEach(function (d) {
      d.removeAttribute("open");
      var s = d.querySelector("summary");
      if (s) { s.focus(); }
    });
  });

  // Unsaved changes: leaving a page while a form[data-guard-unsaved] differs from what it was
  // loaded with, or holds input a save refused ([data-unsaved]: a 422 or 409), asks first.
  // Submitting the guarded form itself does not ask; submitting another form of the page does.
  var loaded = new WeakMap(); // form → its values when it arrived
  var submitted = new WeakSet();
  function values(form) { return new URLSearchParams(new FormData(form)).toString(); }
  function remember(root) {
    if (root.matches && root.matches("form[data-guard-unsaved]")) { loaded.set(root, values(root)); }
    if (root.querySelectorAll) {
      root.querySelectorAll("form[data-guard-unsaved]").forEach(function (f) { loaded.set(f, values(f)); });
    }
  }
  function unsaved(form) {
    if (submitted.has(form)) { return false; }
    return form.hasAttribute("data-unsaved") || (loaded.has(form) && loaded.get(form) !== values(form));
  }
  remember(document); // the script is deferred: the page is parsed
  document.addEventListener("htmx:load", function (e) { remember(e.target); });
  // Registered after the data-confirm listener, so a submit waiting for its confirmation is not
  // counted (that listener prevents it); htmx's own preventDefault comes later, on the form.
  document.addEventListener("submit", function (e) {
    if (!e.defaultPrevented && e.target.hasAttribute("data-guard-unsaved")) { submitted.add(e.target); }
  }, true);
  // A failed htmx save leaves the form in place (a refused one is swapped for a new form).
  document.addEventListener("htmx:afterRequest", function (e) {
    if (!e.detail.successful && e.detail.elt) { submitted.delete(e.detail.elt); }
  });
  window.addEventListener("beforeunload", function (e) {
    var forms = document.querySelectorAll("form[data-guard-unsaved]");
    for (var i = 0; i < forms.length; i++) {
      if (unsaved(forms[i])) { e.preventDefault(); e.returnValue = ""; return; }
    }
  });
  // Flash messages can be dismissed with their close button.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-dismiss]");
    if (btn) { var el = btn.closest("[data-flash]"); if (el) { el.remove(); } }
  });

  // Tabs (WAI-ARIA tabs pattern): a [role=tab] shows the panel it controls; arrow keys, Home
  // and End move between the tabs of its [role=tablist].
  function selectTab(tab) {
    var list = tab.closest("[role=tablist]");
    if (!list) { return; }
    list.querySelectorAll("[role=tab]").forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      var panel = document.getElementById(t.getAttribute("aria-controls"));
      if (panel) { panel.hidden = !on; }
    });
  }
  // The tabs are links to the same page with that tab open (so they work without JavaScript);
  // here they switch in place, keeping what was typed.
  document.addEventListener("click", function (e) {
    var tab = e.target.closest("[role=tab]");
    if (tab) { e.preventDefault(); selectTab(tab); }
  });
  document.addEventListener("keydown", function (e) {
    var tab = e.target.closest && e.target.closest("[role=tab]");
    if (!tab) { return; }
    var tabs = Array.prototype.slice.call(tab.closest("[role=tablist]").querySelectorAll("[role=tab]"));
    var i = tabs.indexOf(tab), next = null;
    if (e.key === "ArrowRight") { next = tabs[(i + 1) % tabs.length]; }
    if (e.key === "ArrowLeft") { next = tabs[(i - 1 + tabs.length) % tabs.length]; }
    if (e.key === "Home") { next = tabs[0]; }
    if (e.key === "End") { next = tabs[tabs.length - 1]; }
    if (next) { e.preventDefault(); selectTab(next); next.focus(); }
  });

  // A locale tab's filled/empty marker (views/nodes/edit.templ, translationState) follows its
  // title input ([data-filled-by=<id of the input>]): filled while the title is not blank, the
  // rule of nodes.TranslationForm.Filled.
  document.addEventListener("input", function (e) {
    if (!e.target.id) { return; }
    var filled = e.target.value.trim() !== "";
    document.querySelectorAll('[data-filled-by="' + CSS.escape(e.target.id) + '"]').forEach(function (m) {
      m.toggleAttribute("data-filled", filled);
      m.querySelectorAll("[data-when-filled]").forEach(function (el) { el.hidden = !filled; });
      m.querySelectorAll("[data-when-empty]").forEach(function (el) { el.hidden = filled; });
    });
  });

  // Row selection for bulk actions (form[data-bulk], views/components/bulk.templ): a
  // [data-select-all=name] box ticks every box of that name in its form, [data-selected-count]
  // says how many are ticked, and a [data-bulk-action=key] button is enabled only while a ticked
  // row lists key in its data-bulk-actions. The buttons arrive enabled, so without JavaScript
  // they still post and the server's confirmation step says what would be skipped.
  function updateCount(form) {
    var boxes = form.querySelectorAll("input[type=checkbox][name=ids]");
    var ticked = form.querySelectorAll("input[type=checkbox][name=ids]:checked");
    var n = ticked.length;
    var out = form.querySelector("[data-selected-count]");
    if (out) { out.textContent = n === 0 ? "Select rows for a bulk action:" : n + (n === 1 ? " item" : " items") + " selected:"; }
    var all = form.querySelector("[data-select-all]");
    if (all) { all.checked = n > 0 && n === boxes.length; all.indeterminate = n > 0 && n < boxes.length; }
    form.querySelectorAll("[data-bulk-action]").forEach(function (btn) {
      var key = btn.getAttribute("data-bulk-action"), able = 0;
      ticked.forEach(function (b) {
        if ((b.getAttribute("data-bulk-actions") || "").split(" ").indexOf(key) >= 0) { able++; }
      });
      btn.disabled = able === 0;
      btn.title = n === 0 ? "Select rows first" : (able === 0 ? "None of the selected rows can take this action" : "");
    });
  }
  function updateForms(root) {
    if (root.matches && root.matches("form[data-bulk]")) { updateCount(root); }
    if (root.querySelectorAll) { root.querySelectorAll("form[data-bulk]").forEach(updateCount); }
  }
  updateForms(document);
  document.addEventListener("htmx:load", function (e) { updateForms(e.target); });
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (!t.form) { return; }
    var name = t.getAttribute("data-select-all");
    if (name) {
      t.form.querySelectorAll("input[type=checkbox][name=" + name + "]").forEach(function (b) { b.checked = t.checked; });
    }
    if (name || t.name === "ids") { updateCount(t.form); }
  });

  // Copy buttons: a button[data-copy=<id>] copies the value of that input. The buttons arrive
  // hidden, so without JavaScript (or a clipboard) nobody is offered one that does nothing; the
  // input is read-only and selectable either way.
  function showCopyButtons(root) {
    if (!navigator.clipboard || !root.querySelectorAll) { return; }
    root.querySelectorAll("button[data-copy]").forEach(function (b) { b.hidden = false; });
  }
  showCopyButtons(document);
  document.addEventListener("htmx:load", function (e) { showCopyButtons(e.target); });
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-copy]");
    var input = btn && document.getElementById(btn.getAttribute("data-copy"));
    if (!input) { return; }
    navigator.clipboard.writeText(input.value).then(function () {
      btn.textContent = "Copied";
      setTimeout(function () { btn.textContent = "Copy"; }, 2000);
    }, function () { input.select(); });
  });

  // Slug from a name ([data-slug-from=<id of the name input>] around the slug input): while the
  // slug is empty or still the last suggestion, typing the name fills it in. The server makes
  // the same suggestion for an empty slug (models.SuggestTenantSlug), so this is only a preview.
  function slugify(s) {
    return s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63).replace(/-+$/, "");
  }
  document.addEventListener("input", function (e) {
    var box = document.querySelector("[data-slug-from='" + e.target.id + "']");
    var slug = box && box.querySelector("input");
    if (!slug) { return; }
    if (slug.value === "" || slug.value === slug.getAttribute("data-suggested")) {
      slug.value = slugify(e.target.value);
      slug.setAttribute("data-suggested", slug.value);
    }
  });
  // The variant grid (table[data-grid], views/products/edit.templ): arrow keys move between
  // cells (left and right only from the start or end of the text), Enter moves down instead of
  // submitting, and a cell whose value differs from what it was loaded with (data-initial) is
  // marked, with a count of changed cells beside Save.
  function gridCells(table) { return Array.prototype.slice.call(table.querySelectorAll("tbody tr")).map(function (tr) {
    return Array.prototype.slice.call(tr.querySelectorAll("input[type=text]:not([readonly]), select"));
  }); }
  document.addEventListener("keydown", function (e) {
    var cell = e.target, table = cell.closest && cell.closest("table[data-grid]");
    if (!table || e.altKey || e.ctrlKey || e.metaKey) { return; }
    var rows = gridCells(table), r = -1, c = -1;
    rows.forEach(function (row, i) { var j = row.indexOf(cell); if (j >= 0) { r = i; c = j; } });
    if (r < 0) { return; }
    var text = cell.tagName === "INPUT", atStart = !text || cell.selectionStart === 0 && cell.selectionEnd === 0,
      atEnd = !text || cell.selectionStart === cell.value.length;
    var to = null;
    if (e.key === "ArrowDown" || e.key === "Enter") { to = rows[r + 1] && rows[r + 1][c]; if (e.key === "Enter") { e.preventDefault(); } }
    else if (e.key === "ArrowUp") { to = rows[r - 1] && rows[r - 1][c]; }
    else if (e.key === "ArrowLeft" && atStart) { to = rows[r][c - 1]; }
    else if (e.key === "ArrowRight" && atEnd) { to = rows[r][c + 1]; }
    if (e.key === "ArrowDown" || e.key === "ArrowUp") { if (cell.tagName === "SELECT") { return; } e.preventDefault(); }
    if (to) { e.preventDefault(); to.focus(); if (to.select) { to.select(); } }
  });
  // Some key paths (synthetic key events among them) still send the keypress that submits the
  // form after a cancelled Enter keydown: in the grid Enter only ever moves.
  document.addEventListener("keypress", function (e) {
    if (e.key === "Enter" && e.target.closest && e.target.closest("table[data-grid]") && e.target.tagName === "INPUT") { e.preventDefault(); }
  });
  function markGrid(table) {
    var n = 0;
    table.querySelectorAll("[data-initial]").forEach(function (el) {
      var changed = el.value !== el.getAttribute("data-initial");
      el.classList.toggle("cell-changed", changed);
      if (changed) { n++; }
    });
    var form = table.closest("form"), out = form && form.querySelector("[data-grid-changes]");
    if (out) { out.textContent = n === 0 ? "" : n === 1 ? "1 changed cell" : n + " changed cells"; }
  }
  ["input", "change"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      var table = e.target.closest && e.target.closest("table[data-grid]");
      if (table) { markGrid(table); }
    });
  });
  document.querySelectorAll("table[data-grid]").forEach(markGrid);
  // A grid swapped in by htmx (a refused save re-renders the section) is marked too: its cells
  // carry the stored values as data-initial, so what was typed shows as changed again.
  document.addEventListener("htmx:load", function (e) {
    if (e.target.querySelectorAll) { e.target.querySelectorAll("table[data-grid]").forEach(markGrid); }
  });
  document.addEventListener("htmx:afterSettle", function () { document.querySelectorAll("table[data-grid]").forEach(markGrid); });
})();
