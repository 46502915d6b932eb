// Loads the lifecycle transitions' Lua scripts the BullMQ way: one file per command under
// queues/commands/, named `<name>-<numberOfKeys>.lua`, with `--- @include "includes/<piece>"` lines
// replaced by the shared pieces. Read once per process; ioredis's defineCommand sends EVALSHA and
// falls back to EVAL when Redis lost its script cache (restart, SCRIPT FLUSH).
import type { Redis } from 'ioredis';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const COMMANDS_DIR = fileURLToPath(new URL('./commands/', import.meta.url));
const INCLUDE = /^--- @include "([a-z0-9/-]+)"\s*$/gm;

export interface LuaCommand {
  /** File name without `-<n>.lua`: the transition kind. */
  name: string;
  /** The ioredis command it is defined as on a connection. */
  command: string;
  numberOfKeys: number;
  lua: string;
}

function resolveIncludes(source: string, seen: readonly string[]): string {
  return source.replace(INCLUDE, (_line, piece: string) => {
    if (seen.includes(piece)) throw new Error(`Lua include cycle: ${[...seen, piece].join(' → ')}`);
    return resolveIncludes(readFileSync(path.join(COMMANDS_DIR, `${piece}.lua`), 'utf8'), [...seen, piece]);
  });
}

function commandName(name: string): string {
  return `kgw${name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}`;
}

function loadAll(): ReadonlyMap<string, LuaCommand> {
  const out = new Map<string, LuaCommand>();
  for (const file of readdirSync(COMMANDS_DIR)) {
    const m = /^([a-z-]+)-(\d+)\.lua$/.exec(file);
    if (!m) continue;
    const name = m[1]!;
    out.set(name, { name, command: commandName(name), numberOfKeys: Number(m[2]), lua: resolveIncludes(readFileSync(path.join(COMMANDS_DIR, file), 'utf8'), []) });
  }
  return out;
}

let cache: ReadonlyMap<string, LuaCommand> | undefined;

/** Every command in queues/commands/, by name. */
export function luaCommands(): ReadonlyMap<string, LuaCommand> {
  cache ??= loadAll();
  return cache;
}

const defined = new WeakSet<Redis>();

/** Defines every command on this connection (once per connection). */
export function defineLuaCommands(redis: Redis): void {
  if (defined.has(redis)) return;
  for (const c of luaCommands().values()) redis.defineCommand(c.command, { numberOfKeys: c.numberOfKeys, lua: c.lua });
  defined.add(redis);
}

type Call = (...args: Array<string | number | Buffer>) => Promise<unknown>;

/** Runs a defined command by transition name. */
export function runLuaCommand(redis: Redis, name: string, keys: string[], args: Array<string | number | Buffer>): Promise<unknown> {
  const c = luaCommands().get(name);
  if (!c) throw new Error(`no Lua command ${name} in queues/commands/`);
  if (keys.length !== c.numberOfKeys) throw new Error(`${name} takes ${c.numberOfKeys} keys, got ${keys.length}`);
  defineLuaCommands(redis);
  return ((redis as unknown as Record<string, Call>)[c.command] as Call).call(redis, ...keys, ...args);
}
