/** Lead routing and case distribution: per module, the mode and the custom round-robin rules, and a test. */
import {
  Alert,
  Button,
  Checkbox,
  Group,
  Loader,
  MultiSelect,
  Paper,
  Select,
  Stack,
  Text,
} from '@mantine/core';
import type { FromSchema } from 'json-schema-to-ts';
import { useEffect, useState } from 'react';
import type { routingSettingsBody } from '../../../schemas/routing.ts';
import { ApiError, api } from '../api.ts';
import { done, fail, fieldErrors, useModules } from '../console/console-api.ts';
import { type AdminUser, fullName, type Group as UserGroup, useAll } from './admin-data.ts';
import { RoutingCriteria } from './routing-criteria.tsx';
import { RoutingTest } from './routing-test.tsx';

type RoutingSettings = FromSchema<typeof routingSettingsBody>;
type Rule = NonNullable<RoutingSettings['rules']>[number];

const modes = [
  { value: 'freeForAll', label: 'Free for all (unassigned)' },
  { value: 'roundRobin', label: 'Round robin' },
  { value: 'singleUser', label: 'One user' },
  { value: 'customRoundRobin', label: 'Custom rules' },
];

export function RoutingAdmin() {
  const modules = useModules() ?? [];
  const [module, setModule] = useState<string | null>('contacts');
  return (
    <Stack gap="sm" maw={900}>
      <Select
        label="Module"
        w={260}
        data={modules.map((m) => ({ value: m.name, label: m.label }))}
        value={module}
        onChange={setModule}
      />
      {module && <RoutingForm key={module} module={module} />}
    </Stack>
  );
}

function RoutingForm({ module }: { module: string }) {
  const [settings, setSettings] = useState<RoutingSettings | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [users] = useAll<AdminUser>('/users?active=true');
  const [groups] = useAll<UserGroup>('/groups');
  const people = (users ?? []).map((u) => ({ value: u.id, label: fullName(u) }));
  const teams = (groups ?? []).map((g) => ({ value: g.id, label: g.name }));

  useEffect(() => {
    api<RoutingSettings & { module?: string }>('GET', `/routing/${module}`).then(
      ({ enabled, mode, onlineOnly, whenNobodyOnline, userIds, singleUserId, rules }) =>
        setSettings({ enabled, mode, onlineOnly, whenNobodyOnline, userIds, singleUserId, rules }),
      (error) =>
        error instanceof ApiError && error.status === 404
          ? setSettings({ enabled: false, mode: 'roundRobin', rules: [] })
          : fail(error),
    );
  }, [module]);
  if (!settings) return <Loader />;

  const set = (patch: Partial<RoutingSettings>) => setSettings({ ...settings, ...patch });
  const rules = settings.rules ?? [];
  const setRule = (index: number, patch: Partial<Rule>) =>
    set({ rules: rules.map((rule, i) => (i === index ? { ...rule, ...patch } : rule)) });
  const save = () =>
    api('PUT', `/routing/${module}`, settings).then(
      () => {
        setErrors({});
        done('Routing saved');
      },
      (error) => {
        setErrors(fieldErrors(error));
        fail(error);
      },
    );

  return (
    <Stack gap="sm">
      <Checkbox
        label="Route new records of this module"
        checked={settings.enabled}
        onChange={(e) => set({ enabled: e.currentTarget.checked })}
      />
      <Select
        label="Mode"
        w={300}
        data={modes}
        value={settings.mode}
        error={errors.mode}
        onChange={(mode) => mode && set({ mode: mode as RoutingSettings['mode'] })}
      />
      <Checkbox
        label="Only users who are online"
        checked={settings.onlineOnly ?? false}
        onChange={(e) => set({ onlineOnly: e.currentTarget.checked })}
      />
      {settings.mode === 'roundRobin' && (
        <MultiSelect
          label="Users in the rotation (empty: every available user)"
          data={people}
          value={settings.userIds ?? []}
          onChange={(userIds) => set({ userIds })}
        />
      )}
      {settings.mode === 'singleUser' && (
        <Select
          label="User"
          data={people}
          value={settings.singleUserId ?? null}
          error={errors.singleUserId}
          onChange={(singleUserId) => set({ singleUserId })}
        />
      )}
      {settings.mode === 'customRoundRobin' && (
        <Stack gap="xs">
          <Text fw={600}>Rules, highest priority first</Text>
          {rules.length === 0 && (
            <Alert color="gray">No rules yet: add one; records no rule matches stay unassigned.</Alert>
          )}
          {rules.map((rule, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rules are ordered by position
            <Paper key={index} withBorder p="sm">
              <Stack gap="xs">
                <RoutingCriteria
                  module={module}
                  criteria={rule.criteria}
                  error={errors[`rules/${index}/criteria`]}
                  onChange={(criteria) => setRule(index, { criteria: criteria as Rule['criteria'] })}
                />
                <Group grow align="flex-start">
                  <Select
                    label="Give them to"
                    data={[
                      { value: 'users', label: 'these users, in turn' },
                      { value: 'usersInGroups', label: 'members of these groups, in turn' },
                      { value: 'groups', label: 'these groups, in turn' },
                    ]}
                    value={rule.kind}
                    onChange={(kind) => kind && setRule(index, { kind: kind as Rule['kind'] })}
                  />
                  {rule.kind === 'users' ? (
                    <MultiSelect
                      label="Users"
                      data={people}
                      value={rule.userIds ?? []}
                      onChange={(userIds) => setRule(index, { userIds })}
                    />
                  ) : (
                    <MultiSelect
                      label="Groups"
                      data={teams}
                      value={rule.groupIds ?? []}
                      onChange={(groupIds) => setRule(index, { groupIds })}
                    />
                  )}
                </Group>
                <Group gap="xs">
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    disabled={index === 0}
                    onClick={() => {
                      const next = [...rules];
                      [next[index - 1], next[index]] = [next[index] as Rule, next[index - 1] as Rule];
                      set({ rules: next });
                    }}
                  >
                    Move up
                  </Button>
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    color="red"
                    onClick={() => set({ rules: rules.filter((_, i) => i !== index) })}
                  >
                    Remove rule
                  </Button>
                </Group>
              </Stack>
            </Paper>
          ))}
          <Button
            variant="light"
            w={160}
            onClick={() => set({ rules: [...rules, { criteria: true, kind: 'users', userIds: [] }] })}
          >
            Add rule
          </Button>
        </Stack>
      )}
      <Group>
        <Button onClick={save}>Save routing</Button>
      </Group>
      <RoutingTest
        module={module}
        names={new Map([...people, ...teams].map((option) => [option.value, option.label]))}
      />
    </Stack>
  );
}
