// RusToK Admin: the little behaviour htmx does not give us. Loaded as a file because the CSP
// forbids inline scripts.
(function () {
  "use strict";
  // Confirm destructive actions: any form or button with data-confirm asks first.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  }, true);

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
  // Registered after the data-confirm listener, so a cancelled submit is not counted; htmx's own
  // preventDefault comes later, on the form.
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
  document.addEventListener("click", function (e) {
    var tab = e.target.closest("[role=tab]");
    if (tab) { selectTab(tab); }
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
})();
