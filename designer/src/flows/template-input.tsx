/**
 * A text param that may hold `{{variables}}`: typing `{{` opens a completion of the variables
 * the node may use, and the `{…}` button beside it inserts one at the cursor. Either way the
 * variable goes in as a template (`{{record.firstName}}`) where the cursor was.
 */
import { ActionIcon, Combobox, Text, Textarea, TextInput, Tooltip, useCombobox } from '@mantine/core';
import { useRef, useState } from 'react';
import { completionAt, insertAt, matching, type Variable } from '../model/variables.ts';

interface Props {
  label?: string | undefined;
  description?: string | undefined;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  required?: boolean | undefined;
  multiline?: boolean | undefined;
  placeholder?: string | undefined;
  variables: readonly Variable[];
  id?: string | undefined;
  size?: 'xs' | 'sm';
}

export const variableLabel = (variable: Variable) =>
  variable.label ? `${variable.group} › ${variable.label}` : variable.path;

export function TemplateInput({
  label,
  description,
  value,
  onChange,
  error,
  required,
  multiline,
  placeholder,
  variables,
  id,
  size = 'sm',
}: Props) {
  const input = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  // Where the cursor was when the input lost focus to the menu, and the `{{` being completed.
  const cursor = useRef<{ from: number; to: number }>({ from: value.length, to: value.length });
  const [typed, setTyped] = useState<{ start: number; query: string } | null>(null);
  const [search, setSearch] = useState('');
  const [mode, setMode] = useState<'typing' | 'menu'>('typing');
  const combobox = useCombobox({
    onDropdownClose: () => {
      setTyped(null);
      setSearch('');
      setMode('typing');
    },
  });

  const query = mode === 'menu' ? search : (typed?.query ?? '');
  const shown = matching(variables, query).slice(0, 60);
  const groups = [...new Set(shown.map((v) => v.group))];

  const remember = () => {
    const element = input.current;
    if (element)
      cursor.current = {
        from: element.selectionStart ?? value.length,
        to: element.selectionEnd ?? value.length,
      };
  };

  const typedChange = (text: string, at: number) => {
    onChange(text);
    cursor.current = { from: at, to: at };
    const open = completionAt(text, at);
    setTyped(open);
    if (open && variables.length > 0) {
      setMode('typing');
      combobox.openDropdown();
      combobox.selectFirstOption();
    } else if (mode === 'typing') combobox.closeDropdown();
  };

  const pick = (path: string) => {
    const template = `{{${path}}}`;
    const from = mode === 'typing' && typed ? typed.start : cursor.current.from;
    const to = mode === 'typing' && typed ? cursor.current.to : cursor.current.to;
    const next = insertAt(value, from, to, template);
    onChange(next.text);
    cursor.current = { from: next.cursor, to: next.cursor };
    combobox.closeDropdown();
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(next.cursor, next.cursor);
    });
  };

  const menuButton = (
    <Tooltip label="Insert a variable" withArrow>
      <ActionIcon
        variant="subtle"
        size="md"
        w={34}
        aria-label={`Insert a variable into ${label ?? 'the field'}`}
        disabled={variables.length === 0}
        onMouseDown={(event) => event.preventDefault()}
        onClick={() => {
          remember();
          setMode('menu');
          combobox.toggleDropdown();
        }}
      >
        <Text size="xs" fw={700} style={{ whiteSpace: 'nowrap' }}>
          {'{…}'}
        </Text>
      </ActionIcon>
    </Tooltip>
  );

  const common = {
    id,
    label,
    description,
    error,
    required,
    placeholder,
    size,
    value,
    rightSection: menuButton,
    rightSectionWidth: 40,
    onSelect: remember,
    onKeyUp: remember,
    onClick: remember,
    onBlur: () => {
      remember();
      if (mode === 'typing') combobox.closeDropdown();
    },
  };

  return (
    <Combobox store={combobox} onOptionSubmit={pick} withinPortal={false} position="bottom-start">
      <Combobox.Target targetType={mode === 'menu' ? 'button' : 'input'}>
        {multiline ? (
          <Textarea
            {...common}
            ref={input}
            autosize
            minRows={2}
            onChange={(event) => typedChange(event.currentTarget.value, event.currentTarget.selectionStart)}
          />
        ) : (
          <TextInput
            {...common}
            ref={input}
            onChange={(event) =>
              typedChange(event.currentTarget.value, event.currentTarget.selectionStart ?? 0)
            }
          />
        )}
      </Combobox.Target>
      <Combobox.Dropdown data-testid="variable-menu">
        {mode === 'menu' && (
          <Combobox.Search
            value={search}
            onChange={(event) => setSearch(event.currentTarget.value)}
            placeholder="Search variables"
          />
        )}
        <Combobox.Options mah={260} style={{ overflowY: 'auto' }}>
          {groups.map((group) => (
            <Combobox.Group key={group} label={group}>
              {shown
                .filter((v) => v.group === group)
                .map((v) => (
                  <Combobox.Option key={v.path} value={v.path}>
                    <Text size="sm">{v.label ?? v.path}</Text>
                    {v.label && (
                      <Text size="xs" c="dimmed">
                        {`{{${v.path}}}`}
                      </Text>
                    )}
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
