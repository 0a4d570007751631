// Launches Debian's Chromium through playwright-core, headless, with no
// background networking (the machine has no network beyond loopback).
// playwright-core gives each launch a new, empty profile folder.
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.OPSDECK_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
