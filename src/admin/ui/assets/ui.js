// Trustgate admin page: copy buttons (progressive enhancement; the values are on the page anyway).
/* global document, navigator, setTimeout */
'use strict';
for (const button of document.querySelectorAll('button[data-copy]')) {
  const source = document.getElementById(button.getAttribute('data-copy'));
  if (!source || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener('click', () => {
    navigator.clipboard.writeText(source.textContent.trim()).then(
      () => {
        button.textContent = 'Copied';
        setTimeout(() => (button.textContent = 'Copy'), 2000);
      },
      () => {
        button.textContent = 'Copy failed';
      },
    );
  });
}
