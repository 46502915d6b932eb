// `kanta-gateway demo`: everything on this machine, nothing to configure. A real redis-server (data
// under ./var/demo/redis, AOF on), the test PKI, the Kanta archive double over mutual TLS, the gateway
// with the sample configuration (demo-environment.ts), the sample documents followed to a final state,
// and a summary table. Exit 1 when a document that was accepted did not end archived.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../../queues/local-redis-server.ts';
import { createLogger, type Logger } from '../logger.ts';
import { startGateway, type RunningGateway } from '../main.ts';
import { untilSignal } from '../until-signal.ts';
import { buildDemoEnvironment, type DemoEnvironment } from './demo-environment.ts';
import { FINAL_STATES, runSamples } from './run-samples.ts';
import { summaryTable } from './summary-table.ts';
import { runClientSystems } from './run-client-systems.ts';

// A busy preferred port falls back to a free one, so a second demo on the machine still starts.
async function portOrFree(preferred: number): Promise<number> {
  if (preferred === 0) return 0;
  const net = await import('node:net');
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => void freePort().then(resolve));
    srv.listen(preferred, '127.0.0.1', () => srv.close(() => resolve(preferred)));
  });
}

export async function runDemo(args: string[], out: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string', default: '8080' }, once: { type: 'boolean', default: false }, dir: { type: 'string', default: 'var/demo' } }, strict: true });
  const dir = path.resolve(values.dir!);
  // Refusals are in the summary table; the log shows only what needs attention (KGW_LOG_LEVEL for more).
  const logger: Logger = createLogger({ level: process.env.KGW_LOG_LEVEL ?? 'error' });
  out.stdout(`kanta-gateway demo: starting redis-server, test PKI, Kanta archive double and gateway under ${dir}\n`);
  let env: DemoEnvironment;
  try {
    env = await buildDemoEnvironment({ dir, port: await portOrFree(Number(values.port)), doubleStateDir: path.join(dir, 'kanta-double') });
  } catch (err) {
    out.stderr(`kanta-gateway demo: ${(err as Error).message}\n`);
    return 1;
  }
  let gw: RunningGateway;
  try {
    gw = await startGateway({ configFile: env.configFile, logger, env: { ...process.env, KGW_CLIENT_KEY_SECRET: process.env.KGW_CLIENT_KEY_SECRET ?? randomBytes(32).toString('hex') }, reloadOnSighup: true });
  } catch (err) {
    out.stderr(`kanta-gateway demo: gateway did not start: ${(err as Error).message}\n`);
    await env.stop();
    return 1;
  }
  let exit = 0;
  try {
    // Today's REST tenants, then the certified client system (Kanta-native SOAP) and the JSON-only system (issue 12).
    const notes: string[] = [];
    const results = [...(await runSamples(gw, env)), ...(await runClientSystems(gw, env, 60_000, notes))];
    for (const n of notes) out.stdout(`${n}\n`);
    out.stdout(`\n${summaryTable(results)}\n\n`);
    const archived = results.filter((r) => r.status === 'archived').length;
    const refused = results.filter((r) => r.status === 'refused').length;
    const pending = results.filter((r) => r.documentId && !FINAL_STATES.has(r.status)).length;
    const inspect = env.double.inspect();
    const ours = new Set(results.map((r) => r.documentId).filter(Boolean));
    const inDouble = inspect.archived.filter((a) => ours.has(a.documentId)).length;
    out.stdout(`${archived} archived, ${refused} refused at intake with a coded error, ${pending} still pending; the Kanta double verified and holds ${inDouble} of them (${inspect.archived.length} in its archive in all), ${inspect.duplicates} identical resends.\n`);
    if (pending > 0 || archived !== results.length - refused) exit = 1;
    out.stdout(`
Gateway        ${gw.url}   (metrics ${gw.url}/metrics, readiness ${gw.url}/readyz)
Kanta-native   ${gw.kantaNativeUrl ?? '-'}   (SOAP over mutual TLS for certified client systems, WSDL at ?wsdl)
Kanta double   ${env.double.url}   (its HTTP admin API is off here: the demo inspects it in process)
Redis          ${env.redis.url}   (data in ${path.join(dir, 'redis')})
Config         ${env.configFile}
Tokens         region ${env.tokens.region}
               hoiva  ${env.tokens.hoiva}
               perhe  ${env.tokens.perhe}
               ops    ${env.tokens.ops}
Try            curl -s -H "authorization: Bearer ${env.tokens.ops}" ${gw.url}/v1/ops/queues
Ops console    ${gw.url}/ops/   (log in with the ops token)
Ops CLI        export KGW_URL=${gw.url} KGW_OPS_TOKEN=${env.tokens.ops}
               node bin/kanta-gateway.js ops queues
`);
    if (!values.once) {
      out.stdout('Running; Ctrl-C stops the gateway, the double and redis-server.\n');
      await untilSignal();
    }
  } catch (err) {
    out.stderr(`kanta-gateway demo: ${(err as Error).message}\n`);
    exit = 1;
  } finally {
    await gw.close();
    await env.stop();
    out.stdout('stopped.\n');
  }
  return exit;
}
