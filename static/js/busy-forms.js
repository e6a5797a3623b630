// Forms marked data-busy say what they are doing while the server works, and
// cannot be sent twice. A large mass-invite paste takes a few seconds (R4.4).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches("form[data-busy]")) return;
  // A download does not leave the page: nothing to wait for.
  if (event.submitter && event.submitter.hasAttribute("data-no-busy")) return;
  if (form.dataset.sending) { event.preventDefault(); return; }
  form.dataset.sending = "1";
  var clicked = event.submitter;
  if (clicked && clicked.name) {
    // Disabled buttons are not submitted: keep which one was pressed.
    var keep = document.createElement("input");
    keep.type = "hidden"; keep.name = clicked.name; keep.value = clicked.value;
    form.appendChild(keep);
  }
  form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  var status = form.querySelector("[data-busy-status]");
  if (!status) return;
  var rows = 0;
  var text = form.querySelector("textarea");
  if (text) rows = text.value.split(/\r?\n/).filter(function (l) { return l.trim(); }).length;
  var what = clicked && clicked.dataset.busyLabel ? clicked.dataset.busyLabel : "Working";
  status.textContent = what + (rows ? " " + rows.toLocaleString() + " row" + (rows === 1 ? "" : "s") : "") +
    "… large pastes take a few seconds.";
  status.hidden = false;
});
