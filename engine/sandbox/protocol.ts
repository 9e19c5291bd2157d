/**
 * What the pool sends a worker and gets back. Everything is structured-clone data: the
 * sandbox never sees a host object, and the host never receives one from it.
 */
export type CodeLanguage = 'js' | 'ts';

export interface CodeJob {
  source: string;
  language: CodeLanguage;
  /** The run's data as JSON: record, previous, trigger, user, vars, steps. */
  input: Record<string, unknown>;
  /** The run's clock (ms since the epoch): `Date.now()` and `new Date()` inside the code. */
  now: number;
  limits: CodeLimits;
}

export interface CodeLimits {
  timeMs: number;
  memoryBytes: number;
  /** Size of the JSON the code returns. */
  outputBytes: number;
  /** Total size of the captured console lines. */
  logBytes: number;
}

export const defaultCodeLimits: CodeLimits = Object.freeze({
  timeMs: 1000,
  memoryBytes: 64 * 1024 * 1024,
  outputBytes: 256 * 1024,
  logBytes: 32 * 1024,
});

/** Why a code step failed, in terms its author can act on. */
export type CodeErrorKind =
  | 'syntax' // does not parse (JS) or strip (TS)
  | 'runtime' // threw
  | 'timeout' // ran past its wall time
  | 'memory' // allocated past its memory limit
  | 'stack' // recursed too deep
  | 'output' // returned something that is not JSON or is too large
  | 'crash'; // the sandbox itself failed (the worker is replaced)

export interface CodeError {
  kind: CodeErrorKind;
  message: string;
  /** 1-based, in the author's source. */
  line?: number;
  column?: number;
}

export interface LogLine {
  level: 'log' | 'info' | 'warn' | 'error';
  text: string;
}

export type CodeResult =
  | { ok: true; output: unknown; logs: LogLine[]; durationMs: number }
  | { ok: false; error: CodeError; logs: LogLine[]; durationMs: number };
