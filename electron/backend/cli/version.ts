/** The version the CLI reports. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './project-root';

/** The version in the project's package.json (read at run time, from source or from the build). */
export function packageVersion(): string {
  try {
    const root = projectRoot();
    if (root === null) return '0.0.0';
    const text = readFileSync(join(root, 'package.json'), 'utf8');
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
