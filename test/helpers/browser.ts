/**
 * What the browser tests share: Debian's chromium (playwright-core, headless, no network of its own),
 * its launch flags, the skip message, and the artifacts folder — $TEST_ARTIFACTS_DIR, or
 * ota-fleet-test-artifacts/ in the temp folder, never the working tree.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where Debian installs chromium (`apt-get install -y chromium`). */
export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of the browser tests go here. */
export const ARTIFACTS = resolve(
  process.env.TEST_ARTIFACTS_DIR ?? join(tmpdir(), 'ota-fleet-test-artifacts'),
);
/** chromium's flags for a quiet headless run in a container. */
export const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** True when chromium is installed (the tests skip without it, except under CI where they fail). */
export const haveChromium = existsSync(CHROMIUM);
/** The skip reason. */
export const MISSING = `chromium is not installed at ${CHROMIUM} (apt-get install -y chromium; .ci/run does it in CI)`;
