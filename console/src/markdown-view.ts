// Draws the blocks of markdown.ts as DOM (text nodes only).
import { h, type Child } from './dom.js';
import { type Block, type Run } from './markdown.js';

function runs(rs: Run[]): Child[] {
  return rs.map((r) => (r.bold ? h('strong', {}, r.text) : r.code ? h('code', {}, r.text) : r.text));
}

export function renderMarkdown(blocks: Block[]): HTMLElement {
  const root = h('div', { class: 'markdown' });
  for (const b of blocks) {
    if (b.kind === 'heading') {
      // The report's own title is the section's; its headings sit one level below the page's h2.
      const level = Math.min(6, b.level + 2) as 3 | 4 | 5 | 6;
      root.appendChild(h(`h${level}`, {}, ...runs(b.runs)));
    } else if (b.kind === 'list')
      root.appendChild(h('ul', {}, ...b.items.map((i) => h('li', {}, ...runs(i)))));
    else if (b.kind === 'table')
      root.appendChild(
        h(
          'table',
          {},
          h('thead', {}, h('tr', {}, ...b.header.map((c) => h('th', { scope: 'col' }, ...runs(c))))),
          h('tbody', {}, ...b.rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, ...runs(c)))))),
        ),
      );
    else root.appendChild(h('p', {}, ...runs(b.runs)));
  }
  return root;
}
