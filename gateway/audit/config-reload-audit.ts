// A configuration reload, from the ops API or SIGHUP, written to the usage log (issue 15: a reload
// was not in it): who (an operator's id, or `signal`), the version before and the version after, in
// the chain of every organisation of either version. The reload itself has happened by then; an
// append that fails is logged as an error and does not undo it.
import type { ReloadResult } from '../../config/config-holder.ts';
import type { Logger } from '../logger.ts';
import type { AuditLog } from './audit-log.ts';
import { configReloadEvents } from './audit-events.ts';

export interface AuditedReloadDeps {
  reload(): ReloadResult;
  /** Version in force before the reload (undefined before the first load). */
  currentVersion(): string | undefined;
  /** Organisation OIDs of the configuration in force now. */
  organisations(): string[];
  audit: Pick<AuditLog, 'append'>;
  logger: Logger;
}

export async function reloadWithAudit(deps: AuditedReloadDeps, actor: { kind: 'ops' | 'system'; id: string }): Promise<ReloadResult> {
  const fromVersion = deps.currentVersion();
  const before = deps.organisations();
  const r = deps.reload();
  const events = configReloadEvents({
    actor,
    organisations: [...before, ...deps.organisations()],
    ...(fromVersion ? { fromVersion } : {}),
    ...(r.ok ? { toVersion: r.version } : {}),
    outcome: !r.ok ? 'refused' : r.changed ? 'applied' : 'unchanged',
  });
  for (const ev of events) {
    try {
      await deps.audit.append(ev);
    } catch (err) {
      deps.logger.error('configuration reload could not be written to the usage log', { organisation: ev.organisation, code: (err as { code?: string }).code, error: (err as Error).message });
    }
  }
  return r;
}
