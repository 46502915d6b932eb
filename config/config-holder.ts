// Holds the configuration in force and swaps it on reload. A bad reload keeps the last good version
// (and says why); until a first version loads, `ready` is false. Derived state (indexes) is rebuilt
// by the listeners, once per version, not per request.
import { loadConfig, validateConfig, type LoadedConfig, type ConfigError } from './load.ts';

export type ReloadResult = { ok: true; version: string; changed: boolean } | { ok: false; error: ConfigError | Error; keptVersion: string | undefined };

export class ConfigHolder {
  private loaded: LoadedConfig | undefined;
  private readonly listeners: Array<(c: LoadedConfig) => void> = [];
  private lastError: string | undefined;

  constructor(
    private readonly file: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get ready(): boolean {
    return this.loaded !== undefined;
  }

  get current(): LoadedConfig {
    if (!this.loaded) throw new Error('configuration not loaded');
    return this.loaded;
  }

  get lastReloadError(): string | undefined {
    return this.lastError;
  }

  onChange(listener: (c: LoadedConfig) => void): void {
    this.listeners.push(listener);
    if (this.loaded) listener(this.loaded);
  }

  /** Sets an already validated configuration (tests, demo). */
  set(loaded: LoadedConfig): void {
    this.loaded = loaded;
    for (const l of this.listeners) l(loaded);
  }

  reload(): ReloadResult {
    let next: LoadedConfig;
    try {
      next = loadConfig(this.file, this.env);
    } catch (err) {
      this.lastError = (err as Error).message;
      return { ok: false, error: err as Error, keptVersion: this.loaded?.version };
    }
    // Listeners may refuse a configuration that validates but cannot be applied (e.g. a key file
    // that does not open): then the previous version stays in force everywhere.
    const previous = this.loaded;
    try {
      const changed = previous?.version !== next.version;
      if (changed) this.set(next);
      this.lastError = undefined;
      return { ok: true, version: next.version, changed };
    } catch (err) {
      // Without a previous version the refused one must not stay behind as if it were in force.
      if (previous) this.set(previous);
      else this.loaded = undefined;
      this.lastError = (err as Error).message;
      return { ok: false, error: err as Error, keptVersion: previous?.version };
    }
  }

  /** Validates a candidate configuration without applying it (dry run). */
  static validateCandidate(raw: Record<string, unknown>, file: string, baseDir: string): LoadedConfig {
    return validateConfig(raw, file, baseDir, {});
  }
}
