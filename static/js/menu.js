// Phones: the header's menu folds behind its button. Without JavaScript the
// button stays hidden and the menu open, so every link is still reachable.
(function () {
  var toggle = document.querySelector(".menu-toggle");
  if (!toggle) return;
  var menu = document.getElementById(toggle.getAttribute("aria-controls"));
  var header = toggle.closest("header");

  function setOpen(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    header.classList.toggle("menu-open", open);
  }

  toggle.hidden = false;
  header.classList.add("menu-folds");
  setOpen(false);
  toggle.addEventListener("click", function () {
    setOpen(toggle.getAttribute("aria-expanded") !== "true");
  });
  // Escape closes it and gives the focus back to the button.
  header.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      toggle.focus();
    }
  });
  // Focus leaving the open menu (Tab past its last link) closes it.
  menu.addEventListener("focusout", function (event) {
    if (event.relatedTarget && !header.contains(event.relatedTarget)) setOpen(false);
  });
})();
