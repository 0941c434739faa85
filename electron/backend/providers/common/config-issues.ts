/**
 * Field problems of one account entry, for every provider's parseConfig. Account schemas are strict:
 * an unknown field is an error, never ignored (a typo `kubconfig` silently used the default kubeconfig,
 * `enable: false` did not disable). The message suggests the field probably meant.
 */
import { z } from 'zod';
import { ConfigIssuesError, type ConfigIssue } from '../types';

/** Parses an account entry with its provider's schema; throws ConfigIssuesError naming each field. */
export function parseAccountEntry<S extends z.ZodType>(schema: S, raw: { name: string }, provider: string): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ConfigIssuesError(raw.name, provider, fieldIssues(parsed.error, schema));
}

/** The zod issues as field issues, an unknown key as "unknown field" with the nearest known one. */
export function fieldIssues(error: z.ZodError, schema: z.ZodType): ConfigIssue[] {
  return error.issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code === 'invalid_union') {
      const branch = closestBranch(issue.errors);
      if (branch !== null) return branch.map((i) => ({ path: dotted([...issue.path, ...i.path]), message: i.message }));
    }
    if (issue.code !== 'unrecognized_keys') return [{ path: dotted(issue.path), message: issue.message }];
    const known = fieldsAt(schema, issue.path);
    return issue.keys.map((key) => {
      const meant = nearestField(key, known);
      return { path: dotted([...issue.path, key]), message: `unknown field${meant === null ? '' : ` (did you mean "${meant}"?)`}` };
    });
  });
}

/**
 * Of a union's alternatives, the one the entry most nearly matched: the only one whose problems lie
 * below the union's own field (e.g. `metrics.cloudwatch.storage`), so the error names that field
 * instead of "Invalid input" on the union. Null when none or several did (the union's message stands).
 */
function closestBranch(branches: readonly (readonly z.core.$ZodIssue[])[]): readonly z.core.$ZodIssue[] | null {
  const deep = branches.filter((b) => b.length > 0 && b.every((i) => i.path.length > 1));
  return deep.length === 1 ? deep[0]! : null;
}

/** The known field nearest to `typed` by edit distance, if near enough to be a typo of it. */
export function nearestField(typed: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const field of known) {
    const d = editDistance(typed.toLowerCase(), field.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [field, d];
  }
  // A third of the longer name, at least 1 and at most 3 edits: `kubconfig`, `enable`, `projectID`.
  const allowed = best === null ? 0 : Math.min(3, Math.max(1, Math.floor(Math.max(typed.length, best.length) / 3)));
  return best !== null && bestDistance <= allowed ? best : null;
}

function dotted(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(entry)' : path.map(String).join('.');
}

/** Field names of the object schema at `path` (through optional, default, union and array wrappers). */
function fieldsAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType[] = [schema];
  for (const segment of path) {
    current =
      typeof segment === 'number'
        ? current.flatMap(elementsOf)
        : current.flatMap(objectsIn).flatMap((o) => {
            const child = (o.shape as Record<string, z.ZodType | undefined>)[String(segment)];
            return child ? [child] : [];
          });
  }
  return [...new Set(current.flatMap(objectsIn).flatMap((o) => Object.keys(o.shape)))];
}

function unwrapped(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault) return unwrapped(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodPipe) return unwrapped(schema.in as z.ZodType);
  return schema;
}

function elementsOf(schema: z.ZodType): z.ZodType[] {
  const inner = unwrapped(schema);
  return inner instanceof z.ZodArray ? [inner.element as z.ZodType] : [];
}

/** The object schemas a schema stands for, unwrapping the wrappers config schemas use. */
function objectsIn(schema: z.ZodType): z.ZodObject[] {
  const inner = unwrapped(schema);
  if (inner instanceof z.ZodObject) return [inner];
  if (inner instanceof z.ZodUnion) return (inner.options as z.ZodType[]).flatMap(objectsIn);
  return [];
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}
