/* global document, window, getComputedStyle */
// Runs inside the page (test/ui/browser.test.ts evaluates this file): the accessibility and layout
// checks of a rendered admin page. An expression: its value is what the test reads.
(() => {
  const visible = (el) => {
    const style = getComputedStyle(el);
    return style.display !== 'none' && style.visibility !== 'hidden' && el.getClientRects().length > 0;
  };

  // Every form control a person uses has an accessible name from a label or ARIA.
  const unlabelled = [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden')
    .filter(
      (el) =>
        !(el.labels && el.labels.length > 0) &&
        !el.getAttribute('aria-label') &&
        !el.getAttribute('aria-labelledby'),
    )
    .map((el) => el.outerHTML.slice(0, 120));
  const nameless = [...document.querySelectorAll('button, a[href]')]
    .filter(visible)
    .filter((el) => !(el.getAttribute('aria-label') || el.textContent.trim()))
    .map((el) => el.outerHTML.slice(0, 120));

  // Headings start at h1 and never skip a level.
  const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => Number(h.tagName[1]));
  let headingsInOrder = levels[0] === 1;
  for (let i = 1; i < levels.length; i += 1) if (levels[i] > levels[i - 1] + 1) headingsInOrder = false;

  // WCAG 2.2 contrast: text against the first opaque background behind it.
  const rgb = (value) => (value.match(/[\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = (c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length >= 3 && (c.length === 3 || c[3] > 0.99)) return c;
    }
    return [255, 255, 255];
  };
  const lowContrast = [];
  for (const el of document.querySelectorAll('body *')) {
    const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!hasText || !visible(el)) continue;
    const fg = luminance(rgb(getComputedStyle(el).color));
    const bg = luminance(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5)
      lowContrast.push(
        `${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}" ${ratio.toFixed(2)}`,
      );
  }

  return {
    scrollWidth: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    unlabelled,
    nameless,
    headingsInOrder,
    lowContrast,
    hasMain: document.querySelector('main#main') !== null,
    skipLink: document.querySelector('a.skip[href="#main"]') !== null,
  };
})();
