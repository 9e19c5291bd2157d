/**
 * Help: the `?` overlay listing keyboard shortcuts, a short guide for a first visit, and the
 * header's help menu (shortcuts, the guide, the API documentation at /api/docs).
 */
import {
  ActionIcon,
  Anchor,
  Kbd,
  List,
  Menu,
  Modal,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';

const shortcuts: [string[], string][] = [
  [['Ctrl', 'K'], 'Search records, flows and pages'],
  [['?'], 'This list of shortcuts'],
  [['Esc'], 'Close a dialog, the menu or the activity panel'],
  [['Ctrl', 'Enter'], 'Post in the activity panel'],
  [['Ctrl', 'Z'], 'Designer: undo'],
  [['Ctrl', 'Shift', 'Z'], 'Designer: redo (also Ctrl+Y)'],
  [['Ctrl', 'C'], 'Designer: copy the selected nodes'],
  [['Ctrl', 'V'], 'Designer: paste them'],
  [['Delete'], 'Designer: delete the selection (the trigger stays)'],
  [['Shift', 'L'], 'Designer: auto-layout'],
  [['Shift', 'F'], 'Designer: fit the flow in view'],
  [['{{'], 'In a text field of a node: insert a variable'],
];

export function ShortcutsHelp({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="Keyboard shortcuts" size="md" data-testid="shortcuts">
      <Table verticalSpacing={4}>
        <Table.Tbody>
          {shortcuts.map(([keys, what]) => (
            <Table.Tr key={what}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                {keys.map((key, i) => (
                  <span key={key}>
                    {i > 0 && ' + '}
                    <Kbd size="xs">{key}</Kbd>
                  </span>
                ))}
              </Table.Td>
              <Table.Td>
                <Text size="sm">{what}</Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Modal>
  );
}

export function GettingStarted({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="Getting started" size="lg" data-testid="guide">
      <Stack gap="sm">
        <Text size="sm">Weft keeps your CRM records and runs flows that react to what happens to them.</Text>
        <Title order={5}>Your first flow</Title>
        <List size="sm" type="ordered" spacing={4}>
          <List.Item>
            Open <b>Flows</b> and press <b>New flow</b>, or <b>Templates</b> for a ready one.
          </List.Item>
          <List.Item>
            Pick the trigger (for example Record created) and its module in the panel on the right.
          </List.Item>
          <List.Item>
            Press the <b>+</b> under a node to add the next step; fill its form. People, lists and fields are
            picked by name; type <Kbd size="xs">{'{{'}</Kbd> in a text to insert a variable.
          </List.Item>
          <List.Item>
            <b>Runs → Test run</b> tries the draft on a record and undoes what it wrote. <b>Publish</b>, then
            switch <b>Active</b> on.
          </List.Item>
          <List.Item>
            <b>Flow runs</b> lists every run; open a failed one to see why, fix the cause and <b>Retry</b>.
          </List.Item>
        </List>
        <Title order={5}>Data</Title>
        <Text size="sm">
          <b>Import / export</b> brings CSV files in (and can roll an import back); <b>Studio</b> adds modules
          and fields; <b>Admin</b> manages users, roles and lead routing.
        </Text>
        <Text size="sm">
          Scripts and other systems use the HTTP API:{' '}
          <Anchor href="/api/docs" target="_blank">
            API documentation
          </Anchor>
          .
        </Text>
      </Stack>
    </Modal>
  );
}

export function HelpMenu({ onShortcuts, onGuide }: { onShortcuts: () => void; onGuide: () => void }) {
  return (
    <Menu position="bottom-end" withArrow>
      <Menu.Target>
        <Tooltip label="Help">
          <ActionIcon variant="subtle" color="gray" size="lg" aria-label="Help">
            <Text fw={700}>?</Text>
          </ActionIcon>
        </Tooltip>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item onClick={onGuide}>Getting started</Menu.Item>
        <Menu.Item onClick={onShortcuts} rightSection={<Kbd size="xs">?</Kbd>}>
          Keyboard shortcuts
        </Menu.Item>
        <Menu.Item component="a" href="/api/docs" target="_blank">
          API documentation
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
