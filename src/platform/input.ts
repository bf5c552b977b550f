import type { z } from 'zod';
import { BadRequest } from './errors.ts';

/** Parses `input` or throws a 400 naming the first bad field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  throw new BadRequest(`${where}${issue?.message ?? 'invalid input'}`, 'invalid_request');
}
