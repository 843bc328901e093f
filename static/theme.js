// RusToK Admin: the colour theme, set before the first paint (this file is loaded blocking in
// <head>; the CSP forbids inline scripts). A choice made with the shell's toggle is kept in
// localStorage ("theme" = "dark" or "light"); without one the page follows the system. The js
// class tells the CSS that scripts run, so parts that need them (the menu button, the toggle)
// show only then.
(function () {
  "use strict";
  var root = document.documentElement;
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function stored() {
    try { return window.localStorage.getItem("theme"); } catch (e) { return null; }
  }
  function apply() {
    var choice = stored();
    var dark = choice === "dark" || (choice !== "light" && media !== null && media.matches);
    root.classList.toggle("dark", dark);
  }
  root.classList.add("js");
  apply();
  if (media && media.addEventListener) { media.addEventListener("change", apply); }
  window.addEventListener("storage", function (e) { if (e.key === "theme") { apply(); } });
  window.rustokTheme = {
    // toggle flips the theme and remembers the choice.
    toggle: function () {
      var dark = !root.classList.contains("dark");
      try { window.localStorage.setItem("theme", dark ? "dark" : "light"); } catch (e) { /* private mode */ }
      apply();
      return dark;
    }
  };
})();
