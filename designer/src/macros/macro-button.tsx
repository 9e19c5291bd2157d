/**
 * The record page's macro button (X2CRM's macros for everyone allowed): the macros the
 * signed-in user may run on this record, by name; choosing one runs it, follows the run and
 * says how it ended in plain words, then hands the record as it is now to the page.
 * Absent when the user may run none. Mounted by records/record-page.tsx in one line.
 */
import { Button, Menu, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';

interface Macro {
  id: string;
  name: string;
  description: string | null;
}
interface MacroRun {
  status: 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';
  error: string | null;
}
type Outcome = { kind: 'running' | 'done' | 'failed' | 'skipped'; text: string };

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Follows a run until it ends (or 60 s pass: then it is still going, in the background). */
async function followRun(runId: string): Promise<MacroRun | null> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const run = await api<MacroRun>('GET', `/macros/runs/${runId}`);
    if (run.status !== 'queued' && run.status !== 'running') return run;
    await wait(400);
  }
  return null;
}

export function MacroButton<R>({
  module,
  id,
  onDone,
}: {
  module: string;
  id: string;
  onDone?: (record: R) => void;
}) {
  const [macros, setMacros] = useState<Macro[]>([]);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  useEffect(() => {
    api<{ items: Macro[] }>('GET', `/macros?module=${encodeURIComponent(module)}`).then(
      (page) => setMacros(page.items),
      () => setMacros([]),
    );
  }, [module]);
  if (macros.length === 0) return null;

  const run = async (macro: Macro) => {
    setOutcome({ kind: 'running', text: `Running “${macro.name}”…` });
    try {
      const started = await api<{ runIds: string[] }>('POST', `/macros/${macro.id}/run`, { recordIds: [id] });
      const [runId] = started.runIds;
      if (!runId) {
        setOutcome({
          kind: 'skipped',
          text: `“${macro.name}” did not run: its conditions do not hold for this record.`,
        });
        return;
      }
      const ended = await followRun(runId);
      if (!ended)
        setOutcome({
          kind: 'running',
          text: `“${macro.name}” is still running; it will finish in the background.`,
        });
      else if (ended.status === 'succeeded' || ended.status === 'waiting')
        setOutcome({
          kind: 'done',
          text:
            ended.status === 'waiting'
              ? `“${macro.name}” started and is waiting for its next step.`
              : `“${macro.name}” finished.`,
        });
      else
        setOutcome({
          kind: 'failed',
          text: `“${macro.name}” ${ended.status === 'cancelled' ? 'was cancelled' : 'failed'}${ended.error ? `: ${ended.error}` : '.'}`,
        });
      if (onDone) onDone(await api<R>('GET', `/records/${module}/${id}`));
    } catch (error) {
      setOutcome({ kind: 'failed', text: `“${macro.name}” could not run: ${(error as Error).message}` });
    }
  };

  const color = outcome?.kind === 'failed' ? 'red' : outcome?.kind === 'done' ? 'green' : 'dimmed';
  return (
    <Stack gap={4} align="flex-end" maw={320}>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <Button variant="light" loading={outcome?.kind === 'running'} data-testid="macro-button">
            Run macro
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>Macros you may run here</Menu.Label>
          {macros.map((macro) => (
            <Menu.Item key={macro.id} onClick={() => run(macro)} title={macro.description ?? undefined}>
              {macro.name}
            </Menu.Item>
          ))}
        </Menu.Dropdown>
      </Menu>
      {outcome && (
        <Text size="sm" c={color} ta="right" role="status" data-testid="macro-outcome">
          {outcome.text}
        </Text>
      )}
    </Stack>
  );
}
