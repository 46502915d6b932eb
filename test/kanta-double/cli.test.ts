// The standalone command: options from flags and a YAML config file, URLs printed, clean stop on
// SIGTERM, and a coded usage error for bad flags.
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { optionsFromArgs, runKantaDoubleCommand } from '../../adapters/kanta-double/cli.ts';
import { AP1, ORG_A, UNIT_A, frameFor, makeDoc, post, testPki } from './support/double-fixture.ts';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('kanta double: command line', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kanta-double-cli-'));
    writeFileSync(join(dir, 'signing-ca.pem'), testPki().signingCa.certPem);
    writeFileSync(join(dir, 'double.yaml'), stringify({
      accessPoints: [{ senderId: AP1, organisations: [ORG_A], signerOids: [ORG_A] }],
      serviceUnits: [{ oid: UNIT_A, organisation: ORG_A }],
      testPersonsOnly: true,
    }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads flags over the config file', () => {
    const o = optionsFromArgs(['--config', join(dir, 'double.yaml'), '--signing-ca', join(dir, 'signing-ca.pem'), '--port', '1234', '--seed', '9', '--faults', '{"http500Share":0.25}', '--state-dir', dir]);
    expect(o).to.include({ port: 1234, seed: 9, stateDir: dir, testPersonsOnly: true });
    expect(o.faults).to.deep.equal({ http500Share: 0.25 });
    expect(o.signingCaPems).to.have.length(1);
    expect(o.accessPoints[0]?.senderId).to.equal(AP1);
    expect(o.requireSystemSignature).to.equal(undefined);
    expect(optionsFromArgs(['--require-system-signature', 'true']).requireSystemSignature).to.equal(true);
    expect(() => optionsFromArgs(['--require-system-signature', 'yes'])).to.throw(/true or false/);
  });

  it('runs until SIGTERM and archives meanwhile', async () => {
    const port = await freePort();
    const signals = new EventEmitter();
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => { printed.push(String(chunk)); return true; }) as typeof process.stdout.write;
    let running: Promise<number>;
    try {
      running = runKantaDoubleCommand(['--config', join(dir, 'double.yaml'), '--signing-ca', join(dir, 'signing-ca.pem'), '--port', String(port)], signals);
      for (let i = 0; i < 50 && !printed.join('').includes('admin'); i += 1) await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.stdout.write = write;
    }
    expect(printed.join('')).to.include(`http://127.0.0.1:${port}/kanta/sh`);
    const r = await post(`http://127.0.0.1:${port}/kanta/sh`, frameFor(makeDoc()));
    expect(r.ack, r.body).to.equal('AA');
    signals.emit('SIGTERM');
    expect(await running).to.equal(0);
    let refused: unknown;
    try { await fetch(`http://127.0.0.1:${port}/kanta/sh?wsdl`); } catch (err) { refused = err; }
    expect(refused).to.be.instanceOf(Error);
  });

  it('exits 2 on unknown flags and on a configuration the double refuses', async () => {
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => { errors.push(String(chunk)); return true; }) as typeof process.stderr.write;
    try {
      expect(await runKantaDoubleCommand(['--bogus', '1'])).to.equal(2);
      expect(await runKantaDoubleCommand(['--port', '0'])).to.equal(2);
    } finally {
      process.stderr.write = write;
    }
    expect(errors.join('')).to.include('unknown option --bogus').and.include('CONFIG_INVALID');
  });
});
