// One demo PKI per test process. Making it (RSA keys and certificates for the CA, three
// organisations, TLS server and client) takes seconds, and every test world only reads it, so the
// end-to-end, ops and process suites share one instead of each making their own.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestPkiManifest } from '../../certs/test-pki.ts';
import { createDemoPki } from '../../gateway/demo/demo-environment.ts';

let shared: Promise<TestPkiManifest> | undefined;

export function sharedDemoPki(): Promise<TestPkiManifest> {
  if (!shared) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-demo-pki-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    shared = createDemoPki(path.join(dir, 'pki'));
  }
  return shared;
}
