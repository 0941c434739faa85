/** One schema migration: its version, what it does, and the SQL that does it (frozen once shipped). */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}
