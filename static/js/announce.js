// htmx swaps part of a page (My team's rows): a screen reader hears the
// outcome, and the keyboard focus is not lost with the element it was on.
// A status message that arrives inside swapped content is not read out by
// itself (a refusal is: it is a role="alert"), so the swapped content marks
// it with data-announce and the page's live region reads it.
(function () {
  document.addEventListener("htmx:afterSettle", function (event) {
    var swapped = event.target;  // detail.elt is the form that asked, gone with the old row
    if (!swapped.isConnected || swapped === document.body) return;
    var outcome = swapped.querySelector("[data-announce], [role=alert]");
    var region = document.getElementById("announce");
    if (outcome && region && outcome.matches("[data-announce]")) {
      // Emptied first, so the same words twice are read twice.
      region.textContent = "";
      window.setTimeout(function () { region.textContent = outcome.textContent.trim(); }, 50);
    }
    // The focused button was replaced and no element of the same id took
    // the focus back: continue from the outcome (or the swapped part).
    if (!document.activeElement || document.activeElement === document.body) {
      var target = outcome || swapped;
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
    }
  });
})();
