/** @type {import('tailwindcss').Config} */
module.exports = {
  content: ["./views/**/*.templ", "./static/app.js"],
  theme: {
    extend: {},
  },
  plugins: [],
};
