/**
 * The desktop's secret cipher: Electron safeStorage's async API, answered for the backend host
 * (which may not use Electron). On Linux it refuses when safeStorage would fall back to its
 * plaintext backend, because a "stored" secret would then be readable by anything that reads files.
 */

/** The part of Electron's safeStorage this uses (injectable for tests). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  getSelectedStorageBackend?(): string;
  encryptStringAsync(plainText: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string }>;
}

export type CipherOp = 'check' | 'encrypt' | 'decrypt';

/** Why secrets cannot be stored here, or null when they can. */
export async function secretStorageRefusal(safeStorage: SafeStorageLike, platform: NodeJS.Platform): Promise<string | null> {
  if (!(await safeStorage.isAsyncEncryptionAvailable())) {
    return 'the operating system keychain is not available to Fleetpane, so a typed secret cannot be stored encrypted; reference an environment variable or a file in the config instead';
  }
  if (platform === 'linux') {
    const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
    if (backend === 'basic_text' || backend === 'unknown') {
      return `on Linux, Electron's safeStorage fell back to its plaintext backend ("${backend}") because no secret service (GNOME Keyring, KWallet) is running, so a stored secret would not be protected; start a secret service and restart Fleetpane, or reference an environment variable or a file in the config instead`;
    }
  }
  return null;
}

/** Answers one cipher request of the backend host; never throws, never logs the text. */
export async function answerCipher(safeStorage: SafeStorageLike, platform: NodeJS.Platform, op: CipherOp, text: string): Promise<{ ok: boolean; text: string }> {
  try {
    const refusal = await secretStorageRefusal(safeStorage, platform);
    if (op === 'check') return { ok: true, text: refusal ?? '' };
    if (refusal !== null) return { ok: false, text: refusal };
    if (op === 'encrypt') return { ok: true, text: (await safeStorage.encryptStringAsync(text)).toString('base64') };
    return { ok: true, text: (await safeStorage.decryptStringAsync(Buffer.from(text, 'base64'))).result };
  } catch (error) {
    // The message of a keychain failure names no secret; keep only its first line.
    return { ok: false, text: `the keychain refused: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}` };
  }
}
