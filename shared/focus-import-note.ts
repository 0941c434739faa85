/** Wording of the FOCUS import summary's conformance note, shared by the CLI and the spend screen. */

/**
 * "empty cells read as null: Tags 3, ResourceId 3" for one file's counts (most first), or null when
 * the file had none. A note about the export, not a refusal.
 */
export function emptyCellsNote(counts: Readonly<Record<string, number>>): string | null {
  const entries = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  if (entries.length === 0) return null;
  return `empty cells read as null: ${entries.map(([column, n]) => `${column} ${n.toLocaleString('en-US')}`).join(', ')}`;
}
