/** The desktop cipher refuses the Linux plaintext backend with the reason, and round-trips otherwise. */
import { describe, expect, it } from 'vitest';
import { answerCipher, secretStorageRefusal, type SafeStorageLike } from './secret-cipher';

function fakeSafeStorage(backend: string, available = true): SafeStorageLike & { encrypted: string[] } {
  const encrypted: string[] = [];
  return {
    encrypted,
    isAsyncEncryptionAvailable: async () => available,
    getSelectedStorageBackend: () => backend,
    // Reversible but not the plaintext: enough to see what crosses the boundary.
    encryptStringAsync: async (text) => {
      encrypted.push(text);
      return Buffer.from([...Buffer.from(text, 'utf8')].map((b) => b ^ 0x5a));
    },
    decryptStringAsync: async (buf) => ({ result: Buffer.from([...buf].map((b) => b ^ 0x5a)).toString('utf8') }),
  };
}

describe('secret cipher over safeStorage', () => {
  it('refuses on Linux when safeStorage fell back to its plaintext backend, and says why', async () => {
    const storage = fakeSafeStorage('basic_text');
    const reason = await secretStorageRefusal(storage, 'linux');
    expect(reason).toMatch(/plaintext backend \("basic_text"\)/);
    expect(reason).toMatch(/secret service/);
    expect(await answerCipher(storage, 'linux', 'check', '')).toEqual({ ok: true, text: reason });
    expect(await answerCipher(storage, 'linux', 'encrypt', 'hunter2')).toEqual({ ok: false, text: reason });
    expect(storage.encrypted).toEqual([]);
  });

  it('accepts a keyring backend on Linux and the OS keychain elsewhere', async () => {
    expect(await secretStorageRefusal(fakeSafeStorage('gnome_libsecret'), 'linux')).toBeNull();
    expect(await secretStorageRefusal(fakeSafeStorage('unknown'), 'darwin')).toBeNull();
    expect(await secretStorageRefusal(fakeSafeStorage('unknown', false), 'win32')).toMatch(/keychain is not available/);
  });

  it('round-trips through base64 ciphertext that is not the plaintext', async () => {
    const storage = fakeSafeStorage('kwallet5');
    const sealed = await answerCipher(storage, 'linux', 'encrypt', 'hunter2-token');
    expect(sealed.ok).toBe(true);
    expect(Buffer.from(sealed.text, 'base64').toString('utf8')).not.toContain('hunter2');
    expect(await answerCipher(storage, 'linux', 'decrypt', sealed.text)).toEqual({ ok: true, text: 'hunter2-token' });
  });
});
