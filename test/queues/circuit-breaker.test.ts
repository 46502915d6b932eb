import { expect } from 'chai';
import { CircuitBreaker, type CircuitState } from '../../queues/circuit-breaker.ts';

const T0 = 1_000_000;

function breaker(failureThreshold = 3, openMs = 10_000) {
  const changes: CircuitState[] = [];
  const b = new CircuitBreaker({ failureThreshold, openMs }, (s) => changes.push(s));
  return { b, changes };
}

describe('queues/circuit-breaker', () => {
  it('starts closed and passes everything, not as a probe', () => {
    const { b, changes } = breaker();
    expect(b.current).to.equal('closed');
    for (let i = 0; i < 5; i++) expect(b.admit(T0)).to.deep.equal({ pass: true, probe: false });
    expect(changes).to.deep.equal([]);
  });

  it('opens after `failureThreshold` consecutive failures, not before', () => {
    const { b, changes } = breaker(3);
    b.onFailure(T0);
    b.onFailure(T0);
    expect(b.current).to.equal('closed');
    expect(b.admit(T0).pass).to.equal(true);
    b.onFailure(T0);
    expect(b.current).to.equal('open');
    expect(changes).to.deep.equal(['open']);
  });

  it('a success resets the consecutive count', () => {
    const { b } = breaker(3);
    b.onFailure(T0);
    b.onFailure(T0);
    b.onSuccess();
    b.onFailure(T0);
    b.onFailure(T0);
    expect(b.current).to.equal('closed');
    b.onFailure(T0);
    expect(b.current).to.equal('open');
  });

  it('while open refuses with retryAtMs at the end of the open period', () => {
    const { b } = breaker(1, 10_000);
    b.onFailure(T0);
    const a = b.admit(T0 + 1);
    expect(a).to.deep.equal({ pass: false, retryAtMs: T0 + 10_000 });
    expect(b.admit(T0 + 9_999).pass).to.equal(false);
  });

  it('after openMs lets exactly one probe through (half-open); a second caller waits', () => {
    const { b, changes } = breaker(1, 10_000);
    b.onFailure(T0);
    expect(b.admit(T0 + 10_000)).to.deep.equal({ pass: true, probe: true });
    expect(b.current).to.equal('half-open');
    const second = b.admit(T0 + 10_001);
    expect(second.pass).to.equal(false);
    if (!second.pass) expect(second.retryAtMs).to.be.greaterThan(T0 + 10_001);
    expect(changes).to.deep.equal(['open', 'half-open']);
  });

  it('a probe success closes the circuit', () => {
    const { b, changes } = breaker(1, 1_000);
    b.onFailure(T0);
    expect(b.admit(T0 + 1_000).pass).to.equal(true);
    b.onSuccess();
    expect(b.current).to.equal('closed');
    expect(b.admit(T0 + 1_001)).to.deep.equal({ pass: true, probe: false });
    expect(changes).to.deep.equal(['open', 'half-open', 'closed']);
  });

  it('stays open on a late success of a request sent before it opened', () => {
    const { b, changes } = breaker(1, 1_000);
    b.onFailure(T0);
    b.onSuccess();
    expect(b.current).to.equal('open');
    expect(b.admit(T0 + 10).pass).to.equal(false);
    expect(changes).to.deep.equal(['open']);
  });

  it('a probe failure re-opens at once (below the threshold) for another open period', () => {
    const { b, changes } = breaker(5, 1_000);
    for (let i = 0; i < 5; i++) b.onFailure(T0);
    expect(b.admit(T0 + 1_000).pass).to.equal(true);
    b.onFailure(T0 + 1_500);
    expect(b.current).to.equal('open');
    expect(b.admit(T0 + 2_499).pass).to.equal(false);
    expect(b.admit(T0 + 2_500)).to.deep.equal({ pass: true, probe: true });
    expect(changes).to.deep.equal(['open', 'half-open', 'open', 'half-open']);
  });

  it('Retry-After opens at once, for at least that long', () => {
    const { b } = breaker(5, 1_000);
    b.onFailure(T0, 60_000);
    expect(b.current).to.equal('open');
    const a = b.admit(T0 + 30_000);
    expect(a).to.deep.equal({ pass: false, retryAtMs: T0 + 60_000 });
    expect(b.admit(T0 + 60_000)).to.deep.equal({ pass: true, probe: true });
  });

  it('a Retry-After shorter than openMs still keeps the circuit open for openMs', () => {
    const { b } = breaker(5, 10_000);
    b.onFailure(T0, 1_000);
    expect(b.admit(T0 + 5_000).pass).to.equal(false);
    expect(b.admit(T0 + 10_000).pass).to.equal(true);
  });

  it('releaseProbe frees the probe slot without a verdict', () => {
    const { b } = breaker(1, 1_000);
    b.onFailure(T0);
    expect(b.admit(T0 + 1_000).pass).to.equal(true);
    expect(b.admit(T0 + 1_001).pass).to.equal(false);
    b.releaseProbe();
    expect(b.current).to.equal('half-open');
    expect(b.admit(T0 + 1_002)).to.deep.equal({ pass: true, probe: true });
  });

  it('reports every transition once to onChange, and none for no-op events', () => {
    const { b, changes } = breaker(2, 1_000);
    b.onSuccess();
    b.onFailure(T0);
    b.onFailure(T0);
    b.onFailure(T0); // already open: no second 'open'
    b.admit(T0 + 1_000);
    b.onSuccess();
    b.onSuccess();
    expect(changes).to.deep.equal(['open', 'half-open', 'closed']);
  });
});
