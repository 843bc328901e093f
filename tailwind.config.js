/** @type {import('tailwindcss').Config} */
module.exports = {
  content: ["./views/**/*.templ", "./handlers/**/*.go", "./static/app.js"],
  theme: {
    extend: {},
  },
  plugins: [],
};
