// Progress of a backfill on stderr: a live bar (cli-progress) when stderr is a terminal, otherwise a
// plain line every few seconds that a log collector keeps — done/total, rate, ETA, refusals by code.
import cliProgress from 'cli-progress';
import { doneCount, etaSeconds, formatDuration, ratePerSecond, refusalsText, type Tally } from './backfill-tally.ts';

export interface ProgressDisplay {
  update(): void;
  stop(): void;
}

export function progressLine(t: Tally): string {
  const done = doneCount(t);
  const pct = t.total > 0 ? ((done / t.total) * 100).toFixed(1) : '100.0';
  return `backfill: ${done}/${t.total} (${pct}%) done, ${ratePerSecond(t).toFixed(1)}/s, ETA ${formatDuration(etaSeconds(t))}; accepted ${t.accepted}, resubmitted ${t.resubmitted}, skipped ${t.skipped}, refused ${refusalsText(t)}, unanswered ${t.unanswered}`;
}

export function startProgress(t: Tally, opts: { stream: NodeJS.WriteStream; intervalMs: number }): ProgressDisplay {
  if (opts.stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: opts.stream,
        format: 'backfill |{bar}| {percentage}% {value}/{total} | {rate}/s | ETA {etaText} | refused {refused} | unanswered {unanswered}',
        hideCursor: true,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    const payload = () => ({ rate: ratePerSecond(t).toFixed(1), etaText: formatDuration(etaSeconds(t)), refused: refusalsText(t), unanswered: t.unanswered });
    bar.start(t.total, doneCount(t), payload());
    return {
      update: () => bar.update(doneCount(t), payload()),
      stop: () => {
        bar.update(doneCount(t), payload());
        bar.stop();
      },
    };
  }
  const timer = setInterval(() => opts.stream.write(`${progressLine(t)}\n`), opts.intervalMs);
  timer.unref();
  return {
    update: () => {},
    stop: () => {
      clearInterval(timer);
      opts.stream.write(`${progressLine(t)}\n`);
    },
  };
}
