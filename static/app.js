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
})();
