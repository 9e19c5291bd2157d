/**
 * Mass actions on a record list's selection (`POST /api/records/:module/bulk`): the bar of
 * actions, each action's dialog, the "select all N matching" banner, and the result with
 * its failures.
 */
import {
  Alert,
  Anchor,
  Button,
  Group,
  List,
  Modal,
  Select,
  Stack,
  TagsInput,
  Text,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import { useState } from 'react';
import { api } from '../api.ts';
import type { FieldDef, ModuleDef } from '../console/console-api.ts';
import { navigate } from '../router.ts';
import { FieldInput } from './field-input.tsx';

export type BulkAction = 'assign' | 'addTags' | 'removeTags' | 'update' | 'delete' | 'runFlow';

/** Records named by id, or every record matching the list's filter and search. */
export type BulkTarget = { ids: string[] } | { where?: unknown; search?: string };

export interface BulkResult {
  matched: number;
  succeeded: number;
  failed: { id: string; error: { code: string; message: string } }[];
  runs?: number;
}

export interface ManualFlow {
  id: string;
  name: string;
}

const verbs: Record<BulkAction, string> = {
  assign: 'Assigned',
  addTags: 'Tagged',
  removeTags: 'Untagged',
  update: 'Updated',
  delete: 'Deleted',
  runFlow: 'Ran the flow on',
};

export function runBulk(
  module: string,
  action: BulkAction,
  target: BulkTarget,
  params: Record<string, unknown>,
): Promise<BulkResult> {
  return api<BulkResult>('POST', `/records/${module}/bulk`, { action, target, ...params });
}

const plural = (n: number) => `${n.toLocaleString()} record${n === 1 ? '' : 's'}`;

/** What a result says in one line, e.g. "Tagged 118 of 120 records; 2 failed". */
export function resultLine(action: BulkAction, result: BulkResult): string {
  const failed = result.matched - result.succeeded;
  const head =
    failed === 0
      ? `${verbs[action]} ${plural(result.succeeded)}`
      : `${verbs[action]} ${result.succeeded.toLocaleString()} of ${plural(result.matched)}; ${failed.toLocaleString()} failed`;
  return result.runs === undefined ? head : `${head} (${result.runs.toLocaleString()} runs started)`;
}

export function BulkBar({
  count,
  canRunFlows,
  onPick,
  onAddToList,
  addToListBlocked,
}: {
  count: number;
  canRunFlows: boolean;
  onPick: (action: BulkAction) => void;
  /** "Add to list…" goes through the lists API, not the bulk one (lists-api.ts). */
  onAddToList: () => void;
  /** Why "Add to list…" is off for this selection, if it is. */
  addToListBlocked: string | null;
}) {
  return (
    <Group gap="xs" data-testid="bulk-bar">
      <Text size="sm">{count.toLocaleString()} selected</Text>
      <Button size="xs" variant="light" onClick={() => onPick('assign')}>
        Assign
      </Button>
      <Button size="xs" variant="light" onClick={() => onPick('addTags')}>
        Tag
      </Button>
      <Button size="xs" variant="light" onClick={() => onPick('removeTags')}>
        Remove tags
      </Button>
      <Button size="xs" variant="light" onClick={() => onPick('update')}>
        Update a field
      </Button>
      <Tooltip label={addToListBlocked} disabled={addToListBlocked === null} multiline w={280}>
        <Button
          size="xs"
          variant="light"
          onClick={onAddToList}
          disabled={addToListBlocked !== null}
          // A disabled button takes no pointer events; the tooltip needs them.
          style={addToListBlocked === null ? undefined : { pointerEvents: 'all' }}
        >
          Add to list…
        </Button>
      </Tooltip>
      {canRunFlows && (
        <Button size="xs" variant="light" onClick={() => onPick('runFlow')}>
          Run flow
        </Button>
      )}
      <Button size="xs" variant="light" color="red" onClick={() => onPick('delete')}>
        Delete
      </Button>
    </Group>
  );
}

/** Gmail's banner: the page's rows are selected, and the filter matches more. */
export function SelectAllBanner({
  pageCount,
  matching,
  allMatching,
  onSelectAll,
  onClear,
}: {
  pageCount: number;
  matching: number | null;
  allMatching: boolean;
  onSelectAll: () => void;
  onClear: () => void;
}) {
  return (
    <Alert color="blue" p="xs" data-testid="select-all-banner">
      {allMatching ? (
        <Group gap="xs">
          <Text size="sm">All {plural(matching ?? 0)} matching are selected.</Text>
          <Anchor component="button" size="sm" onClick={onClear}>
            Clear selection
          </Anchor>
        </Group>
      ) : (
        <Group gap="xs">
          <Text size="sm">The {plural(pageCount)} shown are selected.</Text>
          {matching !== null && matching > pageCount && (
            <Anchor component="button" size="sm" onClick={onSelectAll}>
              Select all {plural(matching)} matching
            </Anchor>
          )}
        </Group>
      )}
    </Alert>
  );
}

/** Fields a mass update may set: those a form may edit. */
const editable = (module: ModuleDef) =>
  module.fields.filter((field) => !field.readOnly && field.name !== 'tags');

export function BulkModal({
  action,
  count,
  module,
  people,
  flows,
  onClose,
  onRun,
}: {
  action: BulkAction | null;
  count: number;
  module: ModuleDef;
  people: { value: string; label: string }[];
  flows: ManualFlow[];
  onClose: () => void;
  onRun: (params: Record<string, unknown>) => void;
}) {
  const [to, setTo] = useState<string | null>(null);
  const [tags, setTags] = useState<string[]>([]);
  const [flow, setFlow] = useState<string | null>(null);
  const [fieldName, setFieldName] = useState<string | null>(null);
  const [value, setValue] = useState<unknown>(null);
  const field: FieldDef | undefined = module.fields.find((f) => f.name === fieldName);
  const title = {
    assign: 'Assign',
    addTags: 'Tag',
    removeTags: 'Remove tags from',
    update: 'Update',
    delete: 'Delete',
    runFlow: 'Run a flow on',
  }[action ?? 'assign'];
  return (
    <Modal opened={action !== null} onClose={onClose} title={`${title} ${plural(count)}`}>
      <Stack>
        {action === 'assign' && (
          <>
            <Select label="Assign to" data={people} value={to} onChange={setTo} searchable />
            <Button disabled={!to} onClick={() => to && onRun({ assignedTo: to })}>
              Assign
            </Button>
          </>
        )}
        {(action === 'addTags' || action === 'removeTags') && (
          <>
            <TagsInput
              label={action === 'addTags' ? 'Tags to add' : 'Tags to remove'}
              value={tags}
              onChange={setTags}
            />
            <Button disabled={tags.length === 0} onClick={() => onRun({ tags })}>
              {action === 'addTags' ? 'Add tags' : 'Remove tags'}
            </Button>
          </>
        )}
        {action === 'update' && (
          <>
            <Select
              label="Field"
              data={editable(module).map((f) => ({ value: f.name, label: f.label }))}
              value={fieldName}
              onChange={(name) => {
                setFieldName(name);
                setValue(null);
              }}
              searchable
            />
            {field && (
              <FieldInput
                key={field.name}
                field={field}
                value={value}
                onChange={setValue}
                label="New value"
              />
            )}
            <Button disabled={!field} onClick={() => field && onRun({ values: { [field.name]: value } })}>
              Set {field?.label ?? 'the field'} on {plural(count)}
            </Button>
          </>
        )}
        {action === 'runFlow' && (
          <>
            <Select
              label="Flow"
              data={flows.map((f) => ({ value: f.id, label: f.name }))}
              value={flow}
              onChange={setFlow}
            />
            <Button disabled={!flow} onClick={() => flow && onRun({ flowId: flow })}>
              Run
            </Button>
          </>
        )}
        {action === 'delete' && (
          <>
            <Text>Delete {plural(count)}? This cannot be undone.</Text>
            <Button color="red" onClick={() => onRun({})}>
              Delete {plural(count)}
            </Button>
          </>
        )}
      </Stack>
    </Modal>
  );
}

/** The last bulk action's outcome; the failures (as many as the API lists) open on demand. */
export function BulkResultAlert({
  action,
  result,
  module,
  onClose,
}: {
  action: BulkAction;
  result: BulkResult;
  module: string;
  onClose: () => void;
}) {
  const [open, setOpen] = useState(false);
  const failed = result.matched - result.succeeded;
  const unlisted = failed - result.failed.length;
  return (
    <Alert
      color={failed === 0 ? 'green' : 'yellow'}
      withCloseButton
      onClose={onClose}
      title={resultLine(action, result)}
      data-testid="bulk-result"
    >
      {failed > 0 && (
        <Stack gap={4}>
          <UnstyledButton fz="sm" c="blue" onClick={() => setOpen(!open)}>
            {open ? 'Hide the failures' : 'Show the failures'}
          </UnstyledButton>
          {open && (
            <List size="sm" data-testid="bulk-failures">
              {result.failed.map((failure) => (
                <List.Item key={failure.id}>
                  <Anchor size="sm" onClick={() => navigate(`/records/${module}/${failure.id}`)}>
                    {failure.id}
                  </Anchor>
                  : {failure.error.message}
                </List.Item>
              ))}
              {unlisted > 0 && <List.Item>…and {unlisted.toLocaleString()} more</List.Item>}
            </List>
          )}
        </Stack>
      )}
    </Alert>
  );
}
