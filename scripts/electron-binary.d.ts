/** The Electron executable's path, or null with the reason it is missing. */
export function electronBinary(): { path: string; reason: null } | { path: null; reason: string };
