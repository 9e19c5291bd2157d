/** A layout's sections, rows and columns, each cell drawn by the caller (a value or an input). */
import { Accordion, Grid, Paper, Stack, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import type { LayoutSection } from '../../../schemas/layout.ts';

export interface Layout {
  id: string | null;
  name: string;
  sections: LayoutSection[];
}

export function LayoutView({ layout, cell }: { layout: Layout; cell: (field: string) => ReactNode }) {
  return (
    <Stack gap="md">
      {layout.sections.map((section, index) =>
        section.collapsible ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: sections are positional
          <Accordion key={index} variant="contained" defaultValue={section.collapsed ? null : 'open'}>
            <Accordion.Item value="open">
              <Accordion.Control>{section.title || 'Details'}</Accordion.Control>
              <Accordion.Panel>
                <SectionRows section={section} cell={cell} />
              </Accordion.Panel>
            </Accordion.Item>
          </Accordion>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: sections are positional
          <Paper key={index} withBorder p="md">
            {section.title && (
              <Title order={5} mb="sm">
                {section.title}
              </Title>
            )}
            <SectionRows section={section} cell={cell} />
          </Paper>
        ),
      )}
    </Stack>
  );
}

/** A row's columns sit side by side from Mantine's `sm` (576 px); on a phone they stack. */
function SectionRows({ section, cell }: { section: LayoutSection; cell: (field: string) => ReactNode }) {
  return (
    <Stack gap="xs">
      {section.rows.map((row, r) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional
        <Grid key={r} gutter="md">
          {row.columns.map((column, c) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
            <Grid.Col key={c} span={{ base: 12, sm: 12 / row.columns.length }}>
              <Stack gap="xs">{column.fields.map((field) => cell(field))}</Stack>
            </Grid.Col>
          ))}
        </Grid>
      ))}
    </Stack>
  );
}
