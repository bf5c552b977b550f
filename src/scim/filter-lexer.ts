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
 * - Entra ID also sends a value path followed by a sub-attribute and a comparison
 *   (`emails[type eq "work"].value eq "x"`), which is not in RFC 7644 §3.4.2.2's grammar and which
 *   the parser would silently read as two independent conditions: it becomes the value filter it
 *   means, `emails[(type eq "work") and value eq "x"]`;
 * - any other sub-attribute after a value filter is refused.
 */
export function quoteBareValues(text: string): string {
  const tokens = mergeValuePathComparisons(tokenize(text));
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

const SPACE: Token = { kind: 'space', text: ' ' };
const punct = (text: string): Token => ({ kind: 'punct', text });
const word = (text: string): Token => ({ kind: 'word', text });

/** The index of the next token that is not a space, from `i`. */
function nextSignificant(tokens: readonly Token[], i: number): number {
  let j = i;
  while (tokens[j]?.kind === 'space') j++;
  return j;
}

/**
 * The comparison that follows a value filter's `]` (`.value eq "x"`, `.value pr`): its tokens
 * and where it ends, or undefined when the `]` is not followed by `.sub compareOp value`.
 */
function trailingComparison(
  tokens: readonly Token[],
  close: number,
): { sub: string; op: string; value: Token | undefined; end: number } | undefined {
  const subToken = tokens[close + 1];
  if (subToken?.kind !== 'word' || !/^\.[A-Za-z$][\w$-]*$/.test(subToken.text)) return undefined;
  const opAt = nextSignificant(tokens, close + 2);
  const opToken = tokens[opAt];
  if (opAt === close + 2 || opToken?.kind !== 'word') return undefined;
  const op = opToken.text.toLowerCase();
  if (op === 'pr') return { sub: subToken.text.slice(1), op: opToken.text, value: undefined, end: opAt + 1 };
  if (!COMPARE_OPS.has(op)) return undefined;
  const valueAt = nextSignificant(tokens, opAt + 1);
  const value = tokens[valueAt];
  if (valueAt === opAt + 1 || (value?.kind !== 'word' && value?.kind !== 'string')) return undefined;
  return { sub: subToken.text.slice(1), op: opToken.text, value, end: valueAt + 1 };
}

/**
 * `attr[inner].sub op value` → `attr[(inner) and sub op value]`, on tokens (strings stay whole),
 * so that the parser builds the one value filter the client meant.
 */
function mergeValuePathComparisons(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  const opens: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === undefined) break;
    if (token.kind === 'punct' && token.text === '[') opens.push(out.length);
    if (token.kind === 'punct' && token.text === ']') {
      const open = opens.pop();
      const trailing = open === undefined ? undefined : trailingComparison(tokens, i);
      if (open !== undefined && trailing) {
        const comparison = [word(trailing.sub), SPACE, word(trailing.op)];
        if (trailing.value) comparison.push(SPACE, trailing.value);
        out.splice(open + 1, 0, punct('('));
        out.push(punct(')'), SPACE, word('and'), SPACE, ...comparison, token);
        i = trailing.end - 1;
        continue;
      }
    }
    out.push(token);
  }
  return out;
}
