// Building DOM nodes. Text always goes in as text nodes (never innerHTML), so values from the API
// (labels, comments, errors) cannot inject markup.

export type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | undefined | null | ((e: Event) => void);

/** `h('a', { href: '#/x', class: 'y', onclick: fn }, 'text', child)`; false/undefined attributes are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, AttrValue> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces the children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/**
 * Re-renders a section only when its data changed, so a poll that brings nothing new leaves the
 * DOM (and the keyboard focus inside it) alone.
 */
export class Section {
  private signature = '';
  constructor(readonly el: HTMLElement) {}

  update(data: unknown, render: () => Child[]): void {
    const signature = JSON.stringify(data);
    if (signature === this.signature) return;
    this.signature = signature;
    replace(this.el, ...render());
  }
}

/** A `<dl>` of term/definition pairs; pairs with an empty definition are left out. */
export function definitions(pairs: [string, Child][]): HTMLDListElement {
  const dl = h('dl', { class: 'facts' });
  for (const [term, value] of pairs) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    append(dl, h('dt', {}, term), h('dd', {}, value));
  }
  return dl;
}
