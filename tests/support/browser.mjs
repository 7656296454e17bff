// browser.mjs: what the headless-Chromium tests (tests/browser, tests/e2e) and
// bench/dashboard.mjs share: starting Debian's chromium the way this machine needs it, and the
// "ok / FAIL" lines with the closing "N passed, M failed" and exit code.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.SBW_CHROMIUM || '/usr/bin/chromium';

// Root needs --no-sandbox; without internet, no background networking, component updates,
// first-run or sync.
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

let passed = 0;
let failed = 0;

// One assertion: prints "ok   name" or "FAIL name -- detail".
export function check(name, ok, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || detail === undefined ? '' : ` -- ${detail}`}`);
}

// Prints the totals and exits: 1 if any assertion failed.
export function finish() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
