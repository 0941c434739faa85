/** Debian's Chromium as the bench drives it (the e2e tests launch it with the same flags). */
import { chromium, type Browser } from '@playwright/test';

/** Launches Chromium (`CHROMIUM_PATH`, else Debian's) headless, without background work that would add noise. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
