import { expect } from 'chai';
import { backoffDelayMs, retryBudgetExhausted } from '../../queues/retry-policy.ts';

const timing = { baseDelayMs: 1_000, maxDelayMs: 300_000 };

describe('queues/retry-policy', () => {
  describe('backoffDelayMs: full jitter in [0, min(cap, base·2^(n-1)))', () => {
    const ceilings: Array<[attemptsMade: number, ceiling: number]> = [
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
      [5, 16_000],
      [9, 256_000],
      [10, 300_000], // 512 000 capped
      [40, 300_000], // exponent clamp: no Infinity, still the cap
    ];
    for (const [n, ceiling] of ceilings) {
      it(`attempt ${n}: the ceiling is ${ceiling} ms`, () => {
        expect(backoffDelayMs(n, timing, () => 0)).to.equal(0);
        expect(backoffDelayMs(n, timing, () => 0.5)).to.equal(ceiling / 2);
        // random() < 1, so the delay stays strictly below the ceiling.
        expect(backoffDelayMs(n, timing, () => 0.999_999_9)).to.equal(ceiling - 1);
      });
    }

    it('stays within bounds for Math.random over many draws, and actually spreads', () => {
      for (let n = 1; n <= 12; n++) {
        const ceiling = Math.min(timing.maxDelayMs, timing.baseDelayMs * 2 ** (n - 1));
        const draws = Array.from({ length: 300 }, () => backoffDelayMs(n, timing));
        for (const d of draws) {
          expect(d).to.be.at.least(0);
          expect(d).to.be.below(ceiling);
          expect(Number.isInteger(d)).to.equal(true);
        }
        expect(new Set(draws).size, `attempt ${n} draws are jittered`).to.be.greaterThan(50);
      }
    });

    it('is deterministic with an injected random', () => {
      let seed = 42;
      const lcg = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
      const run = () => {
        seed = 42;
        return Array.from({ length: 10 }, (_, i) => backoffDelayMs(i + 1, timing, lcg));
      };
      expect(run()).to.deep.equal(run());
    });

    it('treats attempt 0 (never tried) like attempt 1', () => {
      expect(backoffDelayMs(0, timing, () => 0.5)).to.equal(500);
    });
  });

  describe('retryBudgetExhausted', () => {
    const accepted = '2026-03-01T10:00:00.000Z';
    const cases: Array<[string, number, boolean]> = [
      ['just accepted', 0, false],
      ['one ms before the budget', 72 * 3_600_000 - 1, false],
      ['exactly at the budget', 72 * 3_600_000, false],
      ['one ms past the budget', 72 * 3_600_000 + 1, true],
      ['a week later', 7 * 86_400_000, true],
    ];
    for (const [name, ageMs, exhausted] of cases) {
      it(`${name} → ${exhausted}`, () => {
        expect(retryBudgetExhausted(accepted, new Date(Date.parse(accepted) + ageMs), 72)).to.equal(exhausted);
      });
    }

    it('honours fractional budgets', () => {
      expect(retryBudgetExhausted(accepted, new Date(Date.parse(accepted) + 30 * 60_000 + 1), 0.5)).to.equal(true);
      expect(retryBudgetExhausted(accepted, new Date(Date.parse(accepted) + 29 * 60_000), 0.5)).to.equal(false);
    });
  });
});
