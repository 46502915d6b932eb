// How long-running commands (serve, demo) wait for an operator to stop them. Its own module so the
// demo can wait like `serve` does without importing the command line that dispatches to it.

/** Resolves with the signal's name when the process gets SIGINT or SIGTERM. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
