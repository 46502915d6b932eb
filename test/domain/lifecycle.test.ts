// The lifecycle table as data: every transition's guard, where it leads and what it appends, checked
// for the properties the queues rely on. The same table drives the Lua guards (test/queues/lifecycle.redis.test.ts).
import { expect } from 'chai';
import { TERMINAL_STATUSES, type DocumentStatus } from '../../domain/document-record.ts';
import { errorCodeOf } from '../../domain/errors.ts';
import { assertMayApply, isOpen, LIFECYCLE, mayApply, TRANSITION_KINDS, type TransitionKind } from '../../domain/lifecycle.ts';

const STATUSES: readonly DocumentStatus[] = ['accepted', 'signed', 'sending', 'archived', 'parked', 'rejected'];
const ref = { tenant: 't', documentId: '1.2.246.10.1.95.1' };

describe('domain/lifecycle', () => {
  it('lists every transition of a document, each with its guard', () => {
    expect([...TRANSITION_KINDS].sort()).to.deep.equal(
      [
        'accept',
        'discard',
        'sign',
        'sign-and-send',
        'send',
        'retry',
        'await-controller',
        'archive',
        'park-payload-missing',
        'park-sign-failed',
        'park-send-failed',
        'park-retry-exhausted',
        'park',
        'reject',
        'rerun',
      ].sort(),
    );
  });

  for (const kind of TRANSITION_KINDS) {
    it(`${kind}: allowed exactly from ${LIFECYCLE[kind].from.join(', ') || 'no record'}; refused elsewhere with QUEUE_TRANSITION_REFUSED`, () => {
      const spec = LIFECYCLE[kind];
      for (const s of [undefined, ...STATUSES]) {
        const allowed = s === undefined ? spec.from.length === 0 : spec.from.includes(s);
        expect(mayApply(kind, s), `${kind} from ${s}`).to.equal(allowed);
        let caught: unknown;
        try {
          assertMayApply(kind, ref, s);
        } catch (err) {
          caught = err;
        }
        if (allowed) expect(caught, `${kind} from ${s}`).to.equal(undefined);
        else {
          expect(errorCodeOf(caught), `${kind} from ${s}`).to.equal('QUEUE_TRANSITION_REFUSED');
          expect((caught as { details: Record<string, unknown> }).details).to.deep.include({ transition: kind, from: s ?? null, allowed: [...spec.from] });
        }
      }
    });
  }

  it('nothing leaves archived or rejected; only an operator rerun leaves parked', () => {
    for (const kind of TRANSITION_KINDS) {
      const from = LIFECYCLE[kind].from;
      expect(from, kind).not.to.include('archived');
      expect(from, kind).not.to.include('rejected');
      if (from.includes('parked')) expect(kind).to.equal('rerun');
    }
  });

  it("keeps a document in the open set exactly while its status is not terminal (the sweep's contract)", () => {
    for (const kind of TRANSITION_KINDS) {
      const spec = LIFECYCLE[kind];
      for (const to of spec.to) expect(spec.open, `${kind} → ${to}`).to.equal(!TERMINAL_STATUSES.has(to));
      for (const to of spec.to) expect(isOpen(to)).to.equal(spec.open);
    }
  });

  it('every open status has a way to a terminal one, and every status is reachable from accept', () => {
    const reach = (from: DocumentStatus): Set<DocumentStatus> => {
      const seen = new Set<DocumentStatus>([from]);
      const todo = [from];
      while (todo.length) {
        const s = todo.pop()!;
        for (const k of TRANSITION_KINDS) if (LIFECYCLE[k].from.includes(s)) for (const t of LIFECYCLE[k].to) if (!seen.has(t)) (seen.add(t), todo.push(t));
      }
      return seen;
    };
    expect([...reach('accepted')].sort()).to.deep.equal([...STATUSES].sort());
    for (const s of STATUSES.filter(isOpen)) expect([...reach(s)].some((t) => TERMINAL_STATUSES.has(t)), s).to.equal(true);
  });

  it('records each step in the history: the statuses it leads to, or retry / waiting / rerun', () => {
    const expected: Record<TransitionKind, string[]> = {
      accept: ['accepted'],
      discard: [],
      sign: ['signed'],
      'sign-and-send': ['signed', 'sending'],
      send: ['sending'],
      retry: ['retry'],
      'await-controller': ['waiting'],
      archive: ['archived'],
      'park-payload-missing': ['parked'],
      'park-sign-failed': ['parked'],
      'park-send-failed': ['parked'],
      'park-retry-exhausted': ['parked'],
      park: ['parked'],
      reject: ['rejected'],
      rerun: ['rerun'],
    };
    for (const kind of TRANSITION_KINDS) expect([...LIFECYCLE[kind].history], kind).to.deep.equal(expected[kind]);
  });
});
