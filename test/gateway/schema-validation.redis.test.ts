// Optional CDA schema validation at intake (validation.cdaSchemaDir): Debian's xmllint against the HL7
// Finland CDA R2 schema set with the social-welfare overlay its README describes. The set comes from
// ../shared/schemas or KGW_SCHEMAS_DIR; without it (or without xmllint) the tests that need it say so.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeHetu } from '../../adapters/cda/hetu.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import type { GatewayError } from '../../domain/errors.ts';
import { DEMO, buildDemoEnvironment, type DemoEnvironment } from '../../gateway/demo/demo-environment.ts';
import { newDocumentId } from '../../gateway/demo/document-ids.ts';
import { statusOf, submit } from '../../gateway/client/gateway-client.ts';
import { parseXmllintErrors, redactValues, schemaValidators, xmllintValidator } from '../../gateway/intake/schema-validation.ts';
import { createLogger } from '../../gateway/logger.ts';
import { startGateway, type RunningGateway } from '../../gateway/main.ts';
import { buildOverlaySchemaSet } from '../fixtures/schema-overlay/apply-overlay.ts';
import { waitFor } from '../helpers/wait-for.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const schemaSet = process.env.KGW_SCHEMAS_DIR ? path.join(process.env.KGW_SCHEMAS_DIR, 'kela-cda-fi') : path.join(repoRoot, '../shared/schemas/kela-cda-fi');
const samplesDir = process.env.KGW_SAMPLES_DIR ?? path.join(repoRoot, '../shared/samples');
const hasXmllint = (() => {
  try {
    execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const canValidate = hasXmllint && existsSync(path.join(schemaSet, 'CDA_Fi.xsd'));

function skipUnlessSchemas(ctx: Mocha.Context): void {
  if (canValidate) return;
  console.log(`      - skipped: ${hasXmllint ? `no CDA schema set at ${schemaSet} (set KGW_SCHEMAS_DIR)` : 'xmllint not installed (apt-get install libxml2-utils)'}`);
  ctx.skip();
}

const doc = (over: Partial<Parameters<typeof makeSampleCda>[0]> = {}) =>
  makeSampleCda({ documentId: newDocumentId(DEMO.perhe.oid), custodian: DEMO.perhe.oid, serviceUnit: DEMO.perhe.unit, hetu: makeHetu(1, 2, 1990, 903), functionCode: '21', ...over });
/** Readable by the gateway's header reader, but not valid CDA: an element the schema does not allow. */
const invalid = (xml: string) => xml.replace(/(<realmCode [^>]*\/>)/, '$1<unexpected/>');

async function refusal(p: Promise<unknown>): Promise<GatewayError> {
  return p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: GatewayError) => e,
  );
}

describe('gateway/intake schema validation', function () {
  this.timeout(60_000);

  it('reads xmllint stderr as line + message, dropping quoted values that could be personal data', () => {
    const stderr = [
      "/etc/x.xsd:4: element import: Schemas parser warning : Skipping import",
      "-:92: element localSocialHeader: Schemas validity error : Element '{urn:hl7finland}localSocialHeader': This element is not expected.",
      "-:7: element id: Schemas validity error : Element '{urn:hl7-org:v3}id', attribute 'extension': The value '010190-9904' is not accepted by the pattern '[0-9]+'.",
      '- fails to validate',
    ].join('\n');
    const problems = parseXmllintErrors(stderr);
    expect(problems.map((p) => p.line)).to.deep.equal([92, 7]);
    expect(problems[0]!.message).to.contain("'{urn:hl7finland}localSocialHeader'");
    expect(problems[1]!.message).to.not.contain('010190-9904');
    expect(problems[1]!.message).to.contain("attribute 'extension'");
    expect(redactValues("The value 'Matti Meikäläinen' is not valid")).to.equal("The value '…' is not valid");
  });

  it('says the validator is unavailable (503, retryable) when xmllint is missing, too slow, or the schema does not compile', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-xsd-'));
    const missing = xmllintValidator({ schemaFile: path.join(dir, 'x.xsd'), timeoutMs: 5_000, maxConcurrent: 1, xmllint: path.join(dir, 'no-such-xmllint') });
    expect((await refusal(missing.validate(Buffer.from('<a/>')))).code).to.equal('INTAKE_SCHEMA_UNAVAILABLE');
    const slowTool = path.join(dir, 'slow-xmllint');
    writeFileSync(slowTool, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(slowTool, 0o755);
    const slow = xmllintValidator({ schemaFile: path.join(dir, 'x.xsd'), timeoutMs: 300, maxConcurrent: 1, xmllint: slowTool });
    const started = Date.now();
    const err = await refusal(slow.validate(Buffer.from('<a/>')));
    expect(err.code).to.equal('INTAKE_SCHEMA_UNAVAILABLE');
    expect(err.retryable).to.equal(true);
    expect(Date.now() - started).to.be.below(10_000);
    if (hasXmllint) {
      writeFileSync(path.join(dir, 'broken.xsd'), '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a" type="nosuch:type"/></xs:schema>');
      const broken = xmllintValidator({ schemaFile: path.join(dir, 'broken.xsd'), timeoutMs: 5_000, maxConcurrent: 1, xmllint: 'xmllint' });
      expect((await refusal(broken.validate(Buffer.from('<a/>')))).code).to.equal('INTAKE_SCHEMA_UNAVAILABLE');
    }
  });

  it('refuses a configuration whose schema directory lacks the entry point', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kgw-xsd-'));
    const validation = { cdaSchemaDir: dir, entryPoint: 'CDA_Fi.xsd', maxConcurrent: 1, timeoutMs: 1_000, xmllint: 'xmllint' };
    expect(() => schemaValidators(validation, [{ id: 'ap' } as never])).to.throw(/CDA_Fi\.xsd not found/);
    expect(schemaValidators({ ...validation, cdaSchemaDir: undefined }, [{ id: 'ap' } as never]).size).to.equal(0);
  });

  it('passes the gateway sample and the public asia_S sample, refuses an invalid CDA with its line', async function () {
    skipUnlessSchemas(this);
    const overlay = buildOverlaySchemaSet(schemaSet);
    const v = xmllintValidator({ schemaFile: path.join(overlay, 'CDA_Fi.xsd'), timeoutMs: 10_000, maxConcurrent: 2, xmllint: 'xmllint' });
    await v.validate(Buffer.from(doc()));
    if (existsSync(path.join(samplesDir, 'asia_S.xml'))) await v.validate(readFileSync(path.join(samplesDir, 'asia_S.xml')));
    else console.log(`      - skipped part: no public samples at ${samplesDir} (set KGW_SAMPLES_DIR)`);
    const err = await refusal(v.validate(Buffer.from(invalid(doc()))));
    expect(err.code).to.equal('INTAKE_SCHEMA_INVALID');
    expect(err.status).to.equal(400);
    const problems = (err.details as { problems: Array<{ line: number; message: string }> }).problems;
    expect(problems[0]!.line).to.be.a('number');
    expect(problems[0]!.message).to.match(/unexpected/);
  });

  describe('in a running gateway', () => {
    let env: DemoEnvironment;
    let gw: RunningGateway;

    before(async function () {
      if (!canValidate) return;
      const overlay = buildOverlaySchemaSet(schemaSet);
      env = await buildDemoEnvironment({ dir: mkdtempSync(path.join(os.tmpdir(), 'kgw-xsd-e2e-')), override: (c) => void (c.validation = { cdaSchemaDir: overlay }) });
      gw = await startGateway({ configFile: env.configFile, logger: createLogger({ silent: true }), env: { KGW_CLIENT_KEY_SECRET: 'test-secret' } });
    });
    after(async () => {
      await gw?.close();
      await env?.stop();
    });

    it('archives a valid document and refuses an invalid one at intake with 400 INTAKE_SCHEMA_INVALID, storing nothing', async function () {
      skipUnlessSchemas(this);
      const good = doc();
      const accepted = await submit(gw.url, env.tokens.perhe, good);
      expect(accepted.status).to.equal(202);
      const id = accepted.body.documentId as string;
      const st = await waitFor(() => statusOf(gw.url, env.tokens.perhe, id), (x) => x.status === 'archived', 30_000);
      expect(st.status).to.equal('archived');
      const bad = invalid(doc());
      const refused = await submit(gw.url, env.tokens.perhe, bad);
      expect(refused.status).to.equal(400);
      expect((refused.body.error as { code: string }).code).to.equal('INTAKE_SCHEMA_INVALID');
      const badId = /<id root="([0-9.]+)"\/>/.exec(bad)![1]!;
      expect(await gw.store.get('perhe', badId)).to.equal(undefined);
    });
  });
});
