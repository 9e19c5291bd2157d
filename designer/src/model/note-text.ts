/**
 * The little markdown a sticky note understands, as plain data the note component renders
 * (never as HTML): `# heading`, `- item` lists, blank-line paragraphs, `**bold**`,
 * `*italic*` and `` `code` ``.
 */
export type Span = { kind: 'text' | 'bold' | 'italic' | 'code'; text: string };
export type Block =
  | { kind: 'heading'; spans: Span[] }
  | { kind: 'paragraph'; spans: Span[] }
  | { kind: 'list'; items: Span[][] };

const inline = /(\*\*[^*]+\*\*|\*[^*\s][^*]*\*|`[^`]+`)/g;

export function spansOf(line: string): Span[] {
  const spans: Span[] = [];
  for (const part of line.split(inline)) {
    if (!part) continue;
    if (part.startsWith('**') && part.endsWith('**') && part.length > 4)
      spans.push({ kind: 'bold', text: part.slice(2, -2) });
    else if (part.startsWith('`') && part.endsWith('`') && part.length > 2)
      spans.push({ kind: 'code', text: part.slice(1, -1) });
    else if (part.startsWith('*') && part.endsWith('*') && part.length > 2)
      spans.push({ kind: 'italic', text: part.slice(1, -1) });
    else spans.push({ kind: 'text', text: part });
  }
  return spans;
}

export function blocksOf(text: string): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) blocks.push({ kind: 'paragraph', spans: spansOf(paragraph.join(' ')) });
    paragraph = [];
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const item = /^[-*]\s+(.*)$/.exec(line);
    const heading = /^#{1,3}\s+(.*)$/.exec(line);
    if (line === '') flush();
    else if (heading) {
      flush();
      blocks.push({ kind: 'heading', spans: spansOf(heading[1] ?? '') });
    } else if (item) {
      flush();
      const last = blocks[blocks.length - 1];
      if (last?.kind === 'list') last.items.push(spansOf(item[1] ?? ''));
      else blocks.push({ kind: 'list', items: [spansOf(item[1] ?? '')] });
    } else paragraph.push(line);
  }
  flush();
  return blocks;
}
