// The parts of async-exit-hook that db/embedded-postgres.ts uses (the package ships no types).
declare module 'async-exit-hook' {
  interface ExitHook {
    hookedEvents(): string[];
    unhookEvent(event: string): void;
  }
  const exitHook: ExitHook;
  export default exitHook;
}
