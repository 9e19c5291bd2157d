/** Lists the variables a node may use; a click copies `{{path}}` to paste into a param. */
import { Button, Combobox, useCombobox } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import type { Variable } from '../model/variables.ts';

export function VariablePicker({ variables }: { variables: readonly Variable[] }) {
  const combobox = useCombobox({ onDropdownClose: () => setSearch('') });
  const [search, setSearch] = useState('');
  const shown = variables.filter((v) => v.path.toLowerCase().includes(search.toLowerCase()));
  const groups = [...new Set(shown.map((v) => v.group))];
  const pick = async (path: string) => {
    const template = `{{${path}}}`;
    await navigator.clipboard?.writeText(template).catch(() => undefined);
    notifications.show({ message: `Copied ${template}: paste it into a field`, autoClose: 2500 });
    combobox.closeDropdown();
  };
  return (
    <Combobox store={combobox} onOptionSubmit={pick} width={320} position="bottom-end">
      <Combobox.Target>
        <Button
          size="xs"
          variant="light"
          onClick={() => combobox.toggleDropdown()}
          disabled={variables.length === 0}
        >
          Variables
        </Button>
      </Combobox.Target>
      <Combobox.Dropdown>
        <Combobox.Search
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          placeholder="Search variables"
        />
        <Combobox.Options mah={300} style={{ overflowY: 'auto' }}>
          {groups.map((group) => (
            <Combobox.Group key={group} label={group}>
              {shown
                .filter((v) => v.group === group)
                .map((v) => (
                  <Combobox.Option key={v.path} value={v.path}>
                    {v.path}
                  </Combobox.Option>
                ))}
            </Combobox.Group>
          ))}
          {shown.length === 0 && <Combobox.Empty>No variable matches</Combobox.Empty>}
        </Combobox.Options>
      </Combobox.Dropdown>
    </Combobox>
  );
}
