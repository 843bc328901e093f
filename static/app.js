// RusToK Admin: the little behaviour htmx does not give us. Loaded as a file because the CSP
// forbids inline scripts.
(function () {
  "use strict";
  // Confirm destructive actions: any form or button with data-confirm asks first.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  }, true);
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

  // Row selection for bulk actions: a [data-select-all=name] box ticks every box of that name in
  // its form, and [data-selected-count] says how many are ticked.
  function updateCount(form) {
    var out = form.querySelector("[data-selected-count]");
    if (!out) { return; }
    var boxes = form.querySelectorAll("input[type=checkbox][name=ids]");
    var n = form.querySelectorAll("input[type=checkbox][name=ids]:checked").length;
    out.textContent = n === 0 ? "Select rows for a bulk action:" : n + (n === 1 ? " item" : " items") + " selected:";
    var all = form.querySelector("[data-select-all]");
    if (all) { all.checked = n > 0 && n === boxes.length; all.indeterminate = n > 0 && n < boxes.length; }
  }
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
