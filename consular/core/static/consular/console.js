/* Console keyboard helpers. Everything works without this file; it only saves keystrokes.
   Ctrl+Enter (⌘+Enter on a Mac) in a textarea marked data-ctrl-enter="submit" submits its form. */
document.addEventListener("keydown", function (event) {
  var field = event.target;
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  if (!field || !field.form || field.getAttribute("data-ctrl-enter") !== "submit") return;
  event.preventDefault();
  if (typeof field.form.requestSubmit === "function") field.form.requestSubmit();
  else field.form.submit();
});
