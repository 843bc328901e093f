/** @type {import('tailwindcss').Config} */
module.exports = {
  content: ["./views/**/*.templ", "./static/app.js"],
  // The dark class is set on <html> by static/theme.js: from the user's remembered choice, or
  // from the system's preference when there is none.
  darkMode: "class",
  theme: {
    extend: {},
  },
  // base: selects, checkboxes, radios and text inputs get one consistent look everywhere.
  plugins: [require("@tailwindcss/forms")({ strategy: "base" })],
};
