/**
 * The admin page's one HTML helper: `html` is a tagged template that escapes every interpolated
 * value, unless it is itself `Html` made by this helper. Pages are typed functions returning
 * `Html`, so no string reaches the response without passing through here.
 */

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an element's content or a quoted attribute value (HTML §13.1.2.3, §13.1.2.6). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const MARK: unique symbol = Symbol('trusted html');

/** Markup built by `html` (already escaped). */
export interface Html {
  readonly [MARK]: true;
  readonly text: string;
}

/** What a template may interpolate: text is escaped, `Html` is kept, lists are joined, nothing renders as empty. */
export type Renderable = Html | string | number | boolean | null | undefined | readonly Renderable[];

const trusted = (text: string): Html => ({ [MARK]: true, text });

const isHtml = (value: unknown): value is Html =>
  typeof value === 'object' && value !== null && MARK in value;

function render(value: Renderable): string {
  if (value === null || value === undefined || value === false) return '';
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isHtml(value)) return value.text;
  return value.map((v: Renderable) => render(v)).join('');
}

export function html(strings: TemplateStringsArray, ...values: readonly Renderable[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return trusted(out);
}

/** The document as sent. */
export const documentText = (page: Html): string => page.text;
