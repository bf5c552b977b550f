import type { Request, RequestHandler } from 'express';
import express from 'express';
import { BadRequest, Forbidden, UnsupportedMediaType } from '../../platform/errors.ts';
import { safeEqual } from '../../platform/secrets.ts';

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];
const MAX_FIELDS = 50;

/** A posted form: text fields, and the text of uploaded files (the page takes only small XML files). */
export interface Form {
  field(name: string): string;
  /** The uploaded file's text, or undefined when no file was chosen. */
  file(name: string): string | undefined;
}

const forms = new WeakMap<Request, Form>();

export function formOf(req: Request): Form {
  const form = forms.get(req);
  if (!form) throw new BadRequest('the form could not be read');
  return form;
}

async function parse(req: Request): Promise<Form> {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const fields = new Map<string, string>();
  const files = new Map<string, string>();
  if (req.is('application/x-www-form-urlencoded')) {
    const params = new URLSearchParams(body.toString('utf8'));
    for (const [name, value] of params) if (!fields.has(name)) fields.set(name, value);
  } else {
    // multipart/form-data (RFC 7578) with Node's own parser (the fetch API's FormData), over a
    // body already bounded by the raw reader's limit.
    let data: FormData;
    try {
      data = await new Response(new Uint8Array(body), {
        headers: { 'content-type': req.get('content-type') ?? '' },
      }).formData();
    } catch {
      throw new BadRequest('the form data could not be read');
    }
    for (const [name, value] of data) {
      if (typeof value === 'string') {
        if (!fields.has(name)) fields.set(name, value);
      } else if (value.size > 0 && !files.has(name)) files.set(name, await value.text());
    }
  }
  if (fields.size + files.size > MAX_FIELDS) throw new BadRequest('too many form fields');
  return {
    field: (name) => fields.get(name) ?? '',
    file: (name) => files.get(name),
  };
}

/**
 * Reads a form posted to the admin page, bounded by `limit` (413 beyond), and refuses anything
 * but a form (415): three steps, run in front of every POST before the CSRF check reads it.
 */
export function readForm(limit: string): RequestHandler[] {
  return [
    (req, _res, next) => {
      if (!req.is(FORM_TYPES)) throw new UnsupportedMediaType('send the form as a browser does');
      next();
    },
    express.raw({ type: () => true, limit }),
    async (req, _res, next) => {
      forms.set(req, await parse(req));
      next();
    },
  ];
}

/**
 * A post must come from our own pages. Fetch Metadata decides when the browser sends it
 * (`Sec-Fetch-Site: same-origin`; a script cannot set it); otherwise the `Origin` must be ours.
 * A post with neither, or with `Origin: null` and no Fetch Metadata, is refused: every browser
 * that can hold our cookie sends one of them (the pages' `Referrer-Policy: same-origin` keeps
 * `Origin` from being nulled).
 */
export function checkOrigin(req: Request, origin: string): void {
  const site = req.get('sec-fetch-site');
  const from = req.get('origin');
  const ours =
    site !== undefined
      ? site === 'same-origin' && (from === undefined || from === 'null' || from === origin)
      : from === origin;
  if (!ours) throw new Forbidden('this form was not sent from the admin page');
}

/** The synchronizer token: the form's `_csrf` field must equal `expected` (constant time). */
export function checkToken(req: Request, expected: string | undefined): void {
  const given = formOf(req).field('_csrf');
  if (!expected || !given || !safeEqual(given, expected))
    throw new Forbidden(
      'this form has expired or was not sent from the admin page; reload the page and try again',
    );
}
