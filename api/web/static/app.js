// The workspace's only script: copy a message to the clipboard and print a letter.
// Everything works without it (select the text and copy; use the browser's print).
"use strict";

function copyText(button) {
  const body = document.getElementById(button.dataset.copy);
  const subject = button.dataset.copySubject ? document.getElementById(button.dataset.copySubject) : null;
  const status = document.getElementById("copy-status");
  const text = (subject ? "Subject: " + subject.textContent + "\n\n" : "") + body.textContent;
  const said = (words) => { if (status) { status.textContent = words; } };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(
      () => said("Copied to the clipboard."),
      () => { selectAll(body); said("Selected: press Ctrl+C (or Cmd+C) to copy."); }
    );
  } else {
    selectAll(body);
    said("Selected: press Ctrl+C (or Cmd+C) to copy.");
  }
}

function selectAll(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  element.focus();
}

document.addEventListener("click", (event) => {
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    copyText(copy);
    return;
  }
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

// After recording, the list opens where it was: move the focus there too, for keyboard users.
function restorePlace() {
  const notice = document.getElementById("notice");
  const target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
  if (target) {
    const heading = target.querySelector("h2 a") || target;
    heading.focus({ preventScroll: false });
  } else if (notice) {
    notice.setAttribute("tabindex", "-1");
    notice.focus();
  }
}

// After the load: the browser scrolls to the address's #fragment first, which resets the focus.
window.addEventListener("load", () => window.setTimeout(restorePlace, 0));
