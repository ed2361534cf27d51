// The payment portal's only script: the "copy" button of a payment reference.
// Everything works without it: the reference is plain text to select and copy.
"use strict";

document.querySelectorAll("button.copy[data-copy]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => {
    const code = document.getElementById(button.dataset.copy);
    const status = button.parentElement.querySelector(".copy-status");
    const text = code.dataset.value || code.textContent;
    const said = () => { if (status) { status.textContent = button.dataset.done; } };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(said, () => selectText(code));
    } else {
      selectText(code);
    }
  });
});

function selectText(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}
