import { badRequest } from './errors.ts';

const COMPARE_OPS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const LITERAL = /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/;

interface Token {
  readonly kind: 'string' | 'word' | 'punct' | 'space';
  readonly text: string;
}

function readString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  if (i >= text.length) throw badRequest('invalidFilter', 'unterminated string in filter');
  return i + 1;
}

/** Splits a filter into tokens (RFC 7644 §3.4.2.2 grammar: strings, words, brackets, spaces). */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    let end: number;
    let kind: Token['kind'];
    if (c === '"') [end, kind] = [readString(text, i), 'string'];
    else if ('()[]'.includes(c)) [end, kind] = [i + 1, 'punct'];
    else if (/\s/.test(c)) {
      end = i;
      while (end < text.length && /\s/.test(text.charAt(end))) end++;
      kind = 'space';
    } else {
      end = i;
      while (end < text.length && !/[\s()[\]"]/.test(text.charAt(end))) end++;
      kind = 'word';
    }
    tokens.push({ kind, text: text.slice(i, end) });
    i = end;
  }
  return tokens;
}

/**
 * Makes a filter acceptable to a strict parser, token by token:
 * - Entra ID sends unquoted string values (`externalId eq jyoung`): a bare word in value
 *   position (after `attrPath compareOp`) that is not a JSON literal becomes a JSON string;
 * - `emails[type eq "work"].value eq "x"` is a PATCH path form, not a filter (RFC 7644 §3.4.2.2),
 *   and the parser would silently change its meaning: refuse it.
 */
export function quoteBareValues(text: string): string {
  const tokens = tokenize(text);
  const significant: Token[] = [];
  let out = '';
  for (const token of tokens) {
    let emitted = token.text;
    const [prev2, prev1] = significant.slice(-2);
    if (
      token.kind === 'word' &&
      prev1?.kind === 'word' &&
      prev2?.kind === 'word' &&
      COMPARE_OPS.has(prev1.text.toLowerCase())
    ) {
      if (!COMPARE_OPS.has(prev2.text.toLowerCase()) && !LITERAL.test(token.text))
        emitted = JSON.stringify(token.text);
    }
    if (token.kind === 'word' && prev1?.text === ']' && token.text.startsWith('.'))
      throw badRequest('invalidFilter', 'a sub-attribute after a value filter is not allowed in a filter');
    if (token.kind !== 'space') significant.push(token);
    out += emitted;
  }
  return out;
}
