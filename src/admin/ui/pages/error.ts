import { html } from '../html.ts';
import type { Html } from '../html.ts';
import { UI, page } from '../layout.ts';
import type { Frame } from '../layout.ts';

const TITLES: Readonly<Record<number, string>> = {
  400: 'The request could not be used',
  401: 'Sign in first',
  403: 'Not allowed',
  404: 'Page not found',
  413: 'Too large',
  415: 'Not a form',
};

export const errorTitle = (status: number): string =>
  TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'The request could not be used');

/** An error as a page of the admin UI: what happened, where to go, and a reference for support. */
export function errorPage(
  status: number,
  message: string,
  requestId: string,
  frame: Omit<Frame, 'title'> = {},
): Html {
  const title = errorTitle(status);
  return page(
    { ...frame, title },
    html`<h1>${title}</h1>
      <section>
        <p>${message}</p>
        <p><a href="${UI}">Back to the admin page</a></p>
        <p class="muted">Reference: <code>${requestId}</code> (status ${status})</p>
      </section>`,
  );
}
