/** The version the CLI reports. */
import { projectPackage } from './project-root';

/** The version in the project's package.json (read at run time, from source or from the build). */
export function packageVersion(): string {
  return projectPackage()?.version ?? '0.0.0';
}
