/**
 * Shipped migrations are frozen history: a store that ran one never runs it again, so changing its
 * SQL would make stores built before and after the change differ. Each shipped migration's SQL is
 * pinned by its SHA-256 here; a change to a shipped one fails. A new migration appends an entry.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations';

const SHIPPED: Record<number, string> = {
  1: '7e6e1fcdb788cb07965882c156b9a028afd1c3a11def2d8c8d06ff0b1bb9eed9',
  2: 'd49c8c8404db15c2c1094f49b3ed23f76a351ce87ae9ad2f0511181a5fa898d0',
  3: '0c21ae9e1b581b29874fede6d864aa604a09f3c4932bec5476255b2b77ef28cc',
  4: '8c5df6d2a7597eaf616c00f7b40cae7ba0d59c91054240b9cf01b2b44a9979dd',
  5: '0b7a1cc8368f2031fd44bce38b1bbc47a394224eb0c05c9cc714cd1b2e4a9886',
  6: 'b4737e1f8387588eb4d686fe4ec3e1d799387414e64a091f4fad49d9a2b60528',
  7: '7ec207bea9068bc71ebe09a28c4d3bdea76c1c510b8fb4de88afcf570dc53317',
  8: 'ab190fe55f8686b4f22ef1f633aee4f733e326f8fb83ea70439144f34e439887',
  9: 'c00eca4e2303e5fb4942a87dc15097c5bed82c1b93ed4ff342324d1e51329e08',
  10: 'a47c761cf87bbdb5e960e65938031a2f0b21b7d2cbbca70cf0df6a55634e2ed2',
  11: 'f77bf2296edc901b429cc46bef2c77473ad1474665a6ab12967252803c1705e2',
  12: '13c6f52381f360b6a725a8f81e4161aeb082223703328bd6c92b1bcadd3a7ca3',
  13: 'ce87a4df930469ab81fac3c5e6ffe4242b1ed243459a08c7a63d3b69413dc7ea',
  14: '48ef2d573a754442b573d40887d795ab8ca6a98de3b11c6b461d149889b6035b',
  15: 'a92b54d7df4ac34632a2738e0ecc28fc92400a65d9f93ba92e823209d6b10449',
  16: '949eb646395cfdc7bf631b9dd8c6f43d1defe44ac0d647949efb090270fa1bb9',
  17: '2bf26c33a04eeeb2aef851ec1314084d49f575c095a41ed38e8bd0e9f1808616',
  18: '539aa7f9ee901f308cd245a6724d0112ea79093c608c001acef6738e4e4b5fab',
};

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('shipped migrations', () => {
  it.each(Object.entries(SHIPPED))('v%s runs the SQL it shipped with', (version, hash) => {
    const migration = MIGRATIONS.find((m) => m.version === Number(version));
    expect(migration, `migration v${version} is missing`).toBeDefined();
    expect(sha256(migration!.sql), `migration v${version} changed: append a new migration instead`).toBe(hash);
  });

  it('are numbered 1, 2, 3 ... in order, so each new one appends', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('pins every migration but the newest unshipped one at most', () => {
    // A migration added on a branch may not be pinned until it ships; one older than the pins never.
    const unpinned = MIGRATIONS.filter((m) => !(m.version in SHIPPED)).map((m) => m.version);
    expect(unpinned.every((v) => v > Math.max(...Object.keys(SHIPPED).map(Number)))).toBe(true);
  });
});
